"""The few lines an audit ends with on the terminal when its reports went to files.

42 submissions · 20 compliant · 3 review · 12 non-compliant · 5 invalid · 2 could not be read
17 at or above violation: exit code 1
reports: csv findings.csv · html audit.html
"""

from __future__ import annotations

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import SEVERITY, word
from kpcheck.report.text import summary_parts

FORMAT_NAMES = {"audit-text": "text"}


def summary_lines(summary: dict[str, int], files: list[tuple[str, str | None]], fail_on: str, lang: str, code: int) -> list[str]:
    """The summary of a run, its exit code explained, and the report files written."""
    _ = gettext_for(lang)
    lines = [" · ".join(summary_parts(summary, lang))]
    level = word(SEVERITY, fail_on, _) if fail_on != "never" else _("never")
    if code == 2:
        lines.append(_("exit code 2: a submission could not be read or checked (see the errors above)"))
    elif code == 1:
        lines.append(_("exit code 1: a finding at or above {level}").replace("{level}", level))
    elif fail_on == "never":
        lines.append(_("exit code 0: findings do not fail the run (--fail-on never)"))
    else:
        lines.append(_("exit code 0: no finding at or above {level}").replace("{level}", level))
    if files:
        lines.append(_("reports") + ": " + " · ".join(f"{FORMAT_NAMES.get(f, f)} {file}" for f, file in files))
    return lines
