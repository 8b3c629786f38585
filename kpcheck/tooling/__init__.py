"""Tools for legal staff: rule examples, coverage, lint, rulebook documents and amendment impact."""
