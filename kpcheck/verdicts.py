"""How grave a finding is and what a result comes to: :class:`Severity` and :class:`Verdict`.

Both are ``str`` enums: a member equals, hashes, prints, formats and serialises (JSON, CSV,
HTML) as its value, so reports read ``"non_compliant"``, never ``Verdict.NON_COMPLIANT``.
"""

from __future__ import annotations

import enum


class _Text(str, enum.Enum):
    """A ``str`` enum that reads as its value everywhere (``str``, f-strings, ``format``)."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


class Severity(_Text):
    """A rule's severity (its rule file's ``severity``), gravest first."""

    INVALID = "invalid"
    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """3 for invalid down to 0 for info."""
        return _RANK[self.value]


_RANK = {"invalid": 3, "violation": 2, "warning": 1, "info": 0}


class Verdict(_Text):
    """A result's status (docs/report-format.md): the worst finding not waived decides; ``error``
    when the submission could not be read or checked."""

    COMPLIANT = "compliant"
    REVIEW = "review"
    NON_COMPLIANT = "non_compliant"
    INVALID = "invalid"
    ERROR = "error"

    @classmethod
    def of(cls, severity: Severity | str) -> Verdict:
        """The verdict a finding of ``severity`` gives when it is the worst one."""
        return _VERDICT_OF[Severity(severity)]


_VERDICT_OF = {
    Severity.INVALID: Verdict.INVALID,
    Severity.VIOLATION: Verdict.NON_COMPLIANT,
    Severity.WARNING: Verdict.REVIEW,
    Severity.INFO: Verdict.COMPLIANT,
}
