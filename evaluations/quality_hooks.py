"""The back office of the Qualiopi quality system: the "Qualité" menu (imported by `wagtail_hooks`)."""
