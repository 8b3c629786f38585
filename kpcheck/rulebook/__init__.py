"""The rulebook: rule-file schema, loading, the condition language, derived facts and the compiled-rulebook cache."""
