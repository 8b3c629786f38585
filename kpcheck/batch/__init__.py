"""Batch work across many submissions: the audit pipeline and the checks across certificates (XREF)."""
