"""``kpcheck serve``: the controller's desk, a local web page and JSON API (see kpcheck.serve)."""

from __future__ import annotations

import socket

import click

from kpcheck.cli.console import Command, err_console, warning
from kpcheck.cli.exits import Failed
from kpcheck.cli.register import due_period_options
from kpcheck.engine import KINDS
from kpcheck.serve.settings import BindingRefused, Settings, UnknownTimezone, is_wildcard

MIN_TOKEN = 16


@click.command(cls=Command)
@click.option(
    "--host",
    envvar="KPCHECK_HOST",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback needs --token.",
)
@click.option("--port", envvar="KPCHECK_PORT", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--token",
    envvar="KPCHECK_TOKEN",
    metavar="TOKEN",
    help="Every API call must send 'Authorization: Bearer TOKEN' (prefer the environment variable).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    envvar="KPCHECK_ALLOW_HOST",
    multiple=True,
    metavar="NAME",
    help="Another Host name the desk answers to (e.g. its DNS name), repeatable.",
)
@click.option("--rules", envvar="KPCHECK_RULES", type=click.Path(file_okay=False), help="Rulebook folder (default: the shipped one).")
@click.option(
    "--reference",
    envvar="KPCHECK_REFERENCE",
    type=click.Path(file_okay=False),
    help="Folder of registers replacing the shipped example ones file by file.",
)
@click.option("--engine", envvar="KPCHECK_ENGINE", type=click.Choice(KINDS), help="Evaluator (default: durable where it imports).")
@click.option(
    "--lang",
    envvar="KPCHECK_LANG",
    type=click.Choice(["en", "ru", "kk"]),
    default="en",
    show_default=True,
    help="Default language of the API's titles and messages (the page starts in Russian).",
)
@click.option(
    "--waivers",
    envvar="KPCHECK_WAIVERS",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Waivers granted by the authorised body (YAML).",
)
@click.option(
    "--register",
    envvar="KPCHECK_REGISTER",
    metavar="URL",
    help="Certificate register: every check runs XREF-01/02 against it; "
    "POST /api/v1/check?record=true stores the submission and its decision.",
)
@click.option("--by", envvar="KPCHECK_BY", metavar="NAME", help="Stored with recorded decisions unless a request gives ?by=NAME.")
@click.option(
    "--timezone",
    envvar="KPCHECK_TIMEZONE",
    metavar="ZONE",
    help="Time zone of the times the desk shows and prints, an IANA name (Kazakhstan: Asia/Almaty, UTC+5); default: the machine's.",
)
@due_period_options
def serve(
    host: str,
    port: int,
    token: str | None,
    allow_hosts: tuple[str, ...],
    rules: str | None,
    reference: str | None,
    engine: str | None,
    lang: str,
    waivers: str | None,
    register: str | None,
    by: str | None,
    timezone: str | None,
    coupon_days: int,
    receipt_days: int,
) -> None:
    """The controller's desk: a web page to enter and check a certificate, and a JSON API.

    With --register the page is for named accounts (kpcheck users add NAME --role
    controller|auditor): each signs in with a personal token; a controller records decisions."""
    try:
        settings = Settings(
            host=host,
            port=port,
            token=token or None,
            allow_hosts=allow_hosts,
            api_lang=lang,
            coupon_days=coupon_days,
            receipt_days=receipt_days,
            timezone=timezone,
        )
    except (BindingRefused, UnknownTimezone) as exc:
        raise Failed(str(exc)) from None
    if token and len(token) < MIN_TOKEN:
        raise Failed(
            f"the token is too short ({len(token)} characters); use at least {MIN_TOKEN}, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))'"
        )
    if is_wildcard(host) and not allow_hosts:
        warning(
            f"listening on {host} but answering only to the loopback names; "
            "give --allow-host with the name clients use to reach this machine"
        )
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise Failed(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    with sock:
        run(settings, sock, (rules, reference, engine, waivers), (register, by))


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the rulebook loads so that a busy port fails at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    return sock


def open_register(url: str | None) -> object | None:
    """The register ``--register`` names, opened (and migrated) once; exits 2 when it cannot be."""
    if not url:
        return None
    from kpcheck.register.errors import RegisterError
    from kpcheck.register.store import Register

    try:
        return Register.open(url)
    except RegisterError as exc:
        raise Failed(f"{exc}; the desk did not start") from None


def run(settings: Settings, sock: socket.socket, loading: tuple[str | None, ...], storing: tuple[str | None, str | None]) -> None:
    """Load the rulebook (rules, reference, engine, waivers) and open the register once, then
    serve on ``sock`` until interrupted."""
    import uvicorn

    from kpcheck.cli.main import prepare
    from kpcheck.serve.app import create_app
    from kpcheck.serve.service import CheckService

    rules, reference, engine, waivers = loading
    checker, waiver_book = prepare(rules, reference, engine, settings.api_lang, waivers)
    from kpcheck.cli.provenance import provenance

    ctx = click.get_current_context(silent=True)
    found = provenance(ctx, storing[0], waivers, rules, reference) if ctx is not None else None
    service = CheckService(checker, waiver_book, waivers, open_register(storing[0]), storing[1], found)
    app = create_app(service, settings)
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    err_console.print(
        f"kpcheck desk: http://{shown}:{settings.port}/  "
        f"(rulebook {checker.book.version}, engine {checker.engine.kind}"
        f"{', register ' + service.register.shown if service.register else ''}"
        f"{', token required' if settings.token else ''}); Ctrl+C stops it",
        soft_wrap=True,
    )
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="info", server_header=False, proxy_headers=False, timeout_graceful_shutdown=5
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        service.close()
