"""``python -m kpcheck``: the same command line as ``kpcheck``."""

from kpcheck.cli.main import main

main()
