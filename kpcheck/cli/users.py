"""``kpcheck users add|list|disable``: the desk's named accounts, kept in the register."""

from __future__ import annotations

import click

from kpcheck.cli.console import LazyGroup, err_console, verbosity_options
from kpcheck.cli.exits import Failed
from kpcheck.cli.register import register_option
from kpcheck.register.errors import RegisterError


@click.group(cls=LazyGroup)
@verbosity_options
def users() -> None:
    """The desk's named accounts: a controller records decisions, an auditor only reads."""


@users.command()
@click.argument("name")
@click.option("--role", type=click.Choice(["controller", "auditor"]), required=True, help="controller: records decisions; auditor: reads.")
@register_option
@verbosity_options
def add(name: str, role: str, register: str | None) -> None:
    """Make the account NAME and print its personal token, once (only its hash is kept)."""
    from kpcheck.register import accounts
    from kpcheck.register.store import Register

    try:
        reg = Register.open(register)
        token = accounts.add(reg, name, role)
    except (RegisterError, accounts.AccountError) as exc:
        raise Failed(f"{exc}; no account was made") from None
    click.echo(token)
    err_console.print(
        f"account {name.strip()!r} ({role}) made in {reg.shown}; the token above is shown this once: "
        "hand it to its owner, who signs in to the desk with it",
        soft_wrap=True,
    )


@users.command("list")
@register_option
@verbosity_options
def list_(register: str | None) -> None:
    """Every account: name, role, made, disabled."""
    from kpcheck.register import accounts
    from kpcheck.register.store import Register

    try:
        found = accounts.listed(Register.open(register))
    except RegisterError as exc:
        raise Failed(f"{exc}; nothing was listed") from None
    for account in found:
        state = f"disabled {account.disabled_at.isoformat(timespec='seconds')}" if account.disabled_at else "enabled"
        click.echo(f"{account.name}\t{account.role}\tmade {account.created_at.isoformat(timespec='seconds')}\t{state}")
    if not found:
        err_console.print("no accounts yet: kpcheck users add NAME --role controller|auditor", soft_wrap=True)


@users.command()
@click.argument("name")
@register_option
@verbosity_options
def disable(name: str, register: str | None) -> None:
    """Refuse the account NAME's token from now on (its decisions keep its name)."""
    from kpcheck.register import accounts
    from kpcheck.register.store import Register

    try:
        changed = accounts.disable(Register.open(register), name)
    except (RegisterError, accounts.AccountError) as exc:
        raise Failed(f"{exc}; nothing was changed") from None
    err_console.print(f"account {name!r} {'disabled' if changed else 'was disabled already'}", soft_wrap=True)
