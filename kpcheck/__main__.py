"""``python -m kpcheck``: the same command line as ``kpcheck``."""

from kpcheck.cli.entry import run

if __name__ == "__main__":
    run()
