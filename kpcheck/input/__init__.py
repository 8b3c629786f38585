"""Input: pydantic models of a submission as given, and the readers for JSON, YAML 1.2 (with locations) and JSON Lines."""
