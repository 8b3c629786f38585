"""The limits within which documents from strangers are read (YAML and JSON alike)."""

MAX_DEPTH = 64  # levels of nesting
MAX_INT_DIGITS = 50  # digits of one integer
MAX_NODES = 100_000  # values of one document once its aliases are expanded
