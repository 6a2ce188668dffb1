"""makemessages without fuzzy matching: a new Dutch string never silently inherits a wrong translation."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
