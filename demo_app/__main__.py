"""``python -m edgenst.demo_app`` (or ``python -m demo_app`` from the repository root): ``edgenst demo``."""

import sys

from edgenst.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
