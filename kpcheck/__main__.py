"""``python -m kpcheck``: the same command line as ``kpcheck``."""

import sys

from kpcheck.cli.entry import run

if __name__ == "__main__":
    sys.exit(run())
