from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Django's `makemessages`, also collecting the plural helpers of `evaluations.qualiopi`:
    `_plural(singular, plural, count)` and `_n(singular, plural)`, whose strings xgettext would
    otherwise leave out of the catalogue."""

    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_plural:1,2", "--keyword=_n:1,2"]
