"""Where kpcheck's folders are: the data it ships, and the user's config, data and cache folders.

The shipped rulebook (the repository's top-level ``rules/``) and the example registers
(``registers/example/``) travel inside the package as ``kpcheck/_data/rules`` and
``kpcheck/_data/registers`` (the wheel build maps them there, see ``pyproject.toml``) and
are found through :mod:`importlib.resources`:

- a wheel install: the folders inside the installed package;
- an editable install or a checkout: the repository's own ``rules/`` and ``registers/example/``
  (the package has no ``_data`` there);
- a zipped install (``kpcheck`` imported from a ``.zip``): the folders are copied once into
  the user's cache folder, under a name made of the version and a hash of their content.

The user's folders come from :mod:`platformdirs` (``~/.config/kpcheck``, ``~/.local/share/kpcheck``,
``~/.cache/kpcheck`` on Linux); ``KPCHECK_CONFIG_DIR``, ``KPCHECK_DATA_DIR`` and
``KPCHECK_CACHE_DIR`` move them (tests use their own).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

from kpcheck import __version__

APP = "kpcheck"
# name inside kpcheck/_data -> the folder of a checkout it is built from
SHIPPED = {"rules": "rules", "registers": "registers/example"}
_CHECKOUT = Path(__file__).resolve().parent.parent


def user_config_dir() -> Path:
    """The user's configuration folder (``KPCHECK_CONFIG_DIR`` wins)."""
    given = os.environ.get("KPCHECK_CONFIG_DIR")
    return Path(given) if given else platformdirs.user_config_path(APP)


def user_data_dir() -> Path:
    """The user's data folder (``KPCHECK_DATA_DIR`` wins)."""
    given = os.environ.get("KPCHECK_DATA_DIR")
    return Path(given) if given else platformdirs.user_data_path(APP)


def user_cache_dir() -> Path:
    """The user's cache folder (``KPCHECK_CACHE_DIR`` wins)."""
    given = os.environ.get("KPCHECK_CACHE_DIR")
    return Path(given) if given else platformdirs.user_cache_path(APP)


def shipped(name: str) -> Path:
    """A shipped data folder (``rules`` or ``registers``) as a real folder on disk."""
    if name not in SHIPPED:
        raise ValueError(f"unknown shipped folder {name!r}; expected one of {', '.join(SHIPPED)}")
    here = Path(__file__).parent
    if (here / "_data" / name).is_dir():  # an installed wheel: a real folder, found at once
        return here / "_data" / name
    if here.is_dir():  # a source checkout (editable install)
        return _CHECKOUT / SHIPPED[name]
    from importlib import resources  # a zipped install (or another loader)

    inside = resources.files(APP).joinpath("_data").joinpath(name)
    if inside.is_dir():
        if isinstance(inside, Path):
            return inside
        return _extracted(inside, name)
    return _CHECKOUT / SHIPPED[name]


def _files_of(folder: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    """(relative path, content) of every file below ``folder``, sorted."""
    out: list[tuple[str, bytes]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            out.extend(_files_of(entry, rel + "/"))
        else:
            out.append((rel, entry.read_bytes()))
    return out


def _extracted(folder: Traversable, name: str) -> Path:
    """A copy on disk of a folder inside a zipped package, made once per content."""
    files = _files_of(folder)
    digest = hashlib.sha256()
    for rel, data in files:
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    target = user_cache_dir() / "shipped" / f"{name}-{__version__}-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{name}-"))
    for rel, data in files:
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    try:
        staging.rename(target)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


__all__ = ["SHIPPED", "shipped", "user_cache_dir", "user_config_dir", "user_data_dir"]
