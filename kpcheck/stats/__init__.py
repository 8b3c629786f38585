"""The KP annual-report statistics: computed from submissions, rendered as tables."""
