"""What changed a report's findings beyond its inputs: the register it was checked against, the
waivers file, and the settings that came from the environment or a configuration file.

Every report names them (``provenance`` in the report's identity, ``meta``): an exported
``KPCHECK_REGISTER`` or a ``waivers =`` line in a ``kpcheck.toml`` never changes an audit
silently. A register's URL is shown without its password.
"""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from kpcheck.cli.settings import CommandDefaults, envvar_of

FINDING_SETTINGS = ("register", "reference", "rules", "waivers")
"""The options whose value changes findings (and which a desk may set once, outside the command)."""


def settings_origins(ctx: click.Context) -> dict[str, str]:
    """Option -> where its value came from (``KPCHECK_REGISTER``, ``kpcheck.toml:3``), for the
    options of :data:`FINDING_SETTINGS` not given on the command line."""
    out: dict[str, str] = {}
    for name in FINDING_SETTINGS:
        if ctx.params.get(name) in (None, ()):
            continue
        source = ctx.get_parameter_source(name)
        if source is ParameterSource.ENVIRONMENT:
            out[name] = envvar_of(name)
        elif source is ParameterSource.DEFAULT_MAP:
            defaults = ctx.default_map
            where = defaults.origin_of(name) if isinstance(defaults, CommandDefaults) else None
            out[name] = where or "configuration file"
    return out


def provenance(ctx: click.Context, register: str | None, waivers: str | None, rules: str | None, reference: str | None) -> dict[str, Any]:
    """The report's ``provenance``: register (URL, no password), waivers file, rules and
    reference folders (None: the shipped ones) and where the settings among them came from."""
    shown_register = None
    if register:
        from kpcheck.register.urls import database_url, without_password

        try:
            shown_register = without_password(database_url(register))
        except Exception:  # an unusable value: the register's own error says why, later
            shown_register = register
    return {
        "register": shown_register,
        "waivers": str(waivers) if waivers else None,
        "rules": str(rules) if rules else None,
        "reference": str(reference) if reference else None,
        "settings": settings_origins(ctx),
    }
