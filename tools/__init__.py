"""The project's scripts (golden generators, the data generator, the hostile harness, the
calendar): run as ``python tools/<name>.py``; the tests import them as ``tools.<name>``."""
