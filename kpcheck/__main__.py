"""``python -m kpcheck``: the same command line as ``kpcheck``."""

from kpcheck.cli.main import main

if __name__ == "__main__":
    main(prog_name="kpcheck")
