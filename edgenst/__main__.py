"""``python -m edgenst`` is the same as the ``edgenst`` command."""

import sys

from edgenst.cli.main import main

sys.exit(main())
