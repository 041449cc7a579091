from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Django's `makemessages`, also collecting the project's plural helper `_plural(singular, plural, count)`
    (`evaluations.qualiopi`), whose strings xgettext would otherwise leave out of the catalogue."""

    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_plural:1,2"]
