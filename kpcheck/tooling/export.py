"""``kpcheck rules export``: a copy of the shipped rulebook for legal staff to keep and amend."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from kpcheck import __version__
from kpcheck.rulebook.loader import RULES_DIR

README = """\
# The kpcheck rulebook (exported from kpcheck {version})

This folder is a copy of the rulebook kpcheck {version} ships: one rule per file in a folder
per family (`COND/`, `FORM/`, ...), the law-level reference data in `reference/` (KP
participants, EAEU members, the Kazakh working-day calendar and its overrides, the TN VED
codes of the HS codes), and in `bases/` the base submissions that rule examples change. `rulebook.yaml` names its version.

## Amend it

Edit a rule file (its condition, `params`, message, `in_force` dates, legal basis) or add one:
the file name is its rule ID. Every rule keeps at least one triggering and one clean example.
The rule language is described in kpcheck's `docs/rule-language.md`. Bump `version:` in
`rulebook.yaml` so that every report names the amended rulebook.

## Check the amendment

```bash
kpcheck rules lint {folder}      # every problem as file:line:col; exit 0 when clean
kpcheck rules test {folder}      # every rule's examples on each engine; exit 1 when one fails
kpcheck rules impact --new {folder} archive/   # what it would change on past submissions
```

## Use it

```bash
kpcheck check --rules {folder} submission.json
kpcheck audit --rules {folder} archive/
```

or once for every command, in `kpcheck.toml` (`rules = "{folder}"`) or with
`KPCHECK_RULES={folder}`. Registers (signers, customs points, entities) are not part of the
rulebook: give the authorised body's lists with `--reference DIR`.
"""


class ExportError(Exception):
    """The target folder cannot take the copy."""


def export_rulebook(target: Path, force: bool = False, source: Path = RULES_DIR) -> list[Path]:
    """Copy the rulebook into ``target`` with a README; the files written, sorted.

    A folder that exists and is not empty is refused unless ``force``, which writes over
    files of the same name and leaves the others. The copy is made in a temporary folder
    beside ``target`` and moved into place only when complete: a full disk leaves no partial
    rulebook behind, and the message says why.
    """
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ExportError(f"{target}: the folder is not empty; give --force to write over the files in it")
    staging: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
        shutil.copytree(source, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
        (staging / "README.md").write_text(README.format(version=__version__, folder=target), encoding="utf-8")
        _move_into(staging, target)
    except OSError as exc:
        raise ExportError(_why(exc, target)) from exc
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return sorted(p for p in target.rglob("*") if p.is_file())


def _move_into(staging: Path, target: Path) -> None:
    """The finished copy in place: renamed as a whole into a missing or empty folder, else file
    by file over the files of the same name (``--force``)."""
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists():
        staging.rename(target)
        return
    for path in sorted(staging.rglob("*")):
        into = target / path.relative_to(staging)
        if path.is_dir():
            into.mkdir(exist_ok=True)
        else:
            os.replace(path, into)


def _why(exc: OSError, target: Path) -> str:
    """A failed copy in a line: the file and the system's reason (``shutil.Error`` holds a list)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        _src, dst, reason = exc.args[0][0]
        reason = re.sub(r"^\[Errno \d+\] ", "", str(reason)).split(": '")[0]
        return f"{target}: cannot write the rulebook ({reason}, at {dst}); nothing was written"
    where = exc.filename or target
    return f"{target}: cannot write the rulebook ({exc.strerror or exc}, at {where}); nothing was written"


__all__ = ["ExportError", "export_rulebook"]
