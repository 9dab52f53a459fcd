"""``python -m edgenst`` is the same as the ``edgenst`` command."""

from edgenst.cli.main import entry

entry()
