"""``kpcheck users add|list|disable``: the desk's named accounts, kept in the register."""

from __future__ import annotations

import click

from kpcheck.cli.console import LazyGroup, err_console, lang_option, located, say, verbosity_options
from kpcheck.cli.exits import Failed
from kpcheck.cli.register import register_option
from kpcheck.problems import N_
from kpcheck.register.errors import RegisterError


@click.group(cls=LazyGroup)
@verbosity_options
def users() -> None:
    """The desk's named accounts: a controller records decisions, an auditor only reads."""


@users.command()
@click.argument("name")
@click.option("--role", type=click.Choice(["controller", "auditor"]), required=True, help="controller: records decisions; auditor: reads.")
@register_option
@lang_option()
@verbosity_options
def add(name: str, role: str, register: str | None, lang: str) -> None:
    """Make the account NAME and print its personal token, once (only its hash is kept)."""
    from kpcheck.register import accounts
    from kpcheck.register.store import Register

    try:
        reg = Register.open(register)
        token = accounts.add(reg, name, role)
    except (RegisterError, accounts.AccountError) as exc:
        raise Failed(f"{located(exc)}; {say('no account was made')}") from None
    click.echo(token)
    err_console.print(
        say(
            "account {name} ({role}) made in {register}; the token above is shown this once: "
            "hand it to its owner, who signs in to the desk with it",
            name=repr(name.strip()),
            role=say(role),
            register=reg.shown,
        ),
        soft_wrap=True,
        markup=False,
    )


@users.command("list")
@register_option
@lang_option("Language of the messages and of the list (names and times as stored).")
@verbosity_options
def list_(register: str | None, lang: str) -> None:
    """Every account: name, role, made, disabled."""
    from kpcheck.register import accounts
    from kpcheck.register.store import Register

    try:
        found = accounts.listed(Register.open(register))
    except RegisterError as exc:
        raise Failed(f"{located(exc)}; {say('nothing was listed')}") from None
    for account in found:
        disabled = account.disabled_at.isoformat(timespec="seconds") if account.disabled_at else None
        state = say("disabled {at}", at=disabled) if disabled else say("enabled")
        made = say("made {at}", at=account.created_at.isoformat(timespec="seconds"))
        click.echo(f"{account.name}\t{say(account.role)}\t{made}\t{state}")
    if not found:
        err_console.print(say("no accounts yet: kpcheck users add NAME --role controller|auditor"), soft_wrap=True, markup=False)


@users.command()
@click.argument("name")
@register_option
@lang_option()
@verbosity_options
def disable(name: str, register: str | None, lang: str) -> None:
    """Refuse the account NAME's token from now on (its decisions keep its name)."""
    from kpcheck.register import accounts
    from kpcheck.register.store import Register

    try:
        changed = accounts.disable(Register.open(register), name)
    except (RegisterError, accounts.AccountError) as exc:
        raise Failed(f"{located(exc)}; {say('nothing was changed')}") from None
    said = N_("account {name} disabled") if changed else N_("account {name} was disabled already")
    err_console.print(say(said, name=repr(name)), soft_wrap=True, markup=False)
