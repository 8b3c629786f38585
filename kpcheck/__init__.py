"""kpcheck: Kimberley Process certificates checked against the law of the Republic of Kazakhstan."""

__version__ = "0.1.0"
