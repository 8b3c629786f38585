"""The command line: options parsed, the library called, results rendered, exit codes set."""
