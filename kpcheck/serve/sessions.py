"""Who is at the desk: a signed session cookie (Starlette's ``SessionMiddleware``, signed with
itsdangerous; ``HttpOnly``, ``SameSite=Strict``) naming the account signed in with its
personal token, and the session's CSRF token that every form post carries in a hidden field
(``csrf``) and every script call in the ``X-CSRF-Token`` header.

The account is looked up again on every request: a disabled account's session ends at once.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets

from starlette.requests import Request

from kpcheck.register.accounts import Account

COOKIE = "kpcheck_session"
MAX_AGE = 12 * 60 * 60  # a working day; then the controller signs in again
CSRF_HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, given: str | None) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


async def account_of(request: Request) -> Account | None:
    """The signed-in account, while it is enabled; None without a register or a sign-in."""
    register = request.app.state.service.register
    name = request.session.get("account")
    if register is None or not isinstance(name, str):
        return None
    from kpcheck.register.accounts import enabled

    found = await asyncio.to_thread(enabled, register, name)
    if found is None:
        request.session.pop("account", None)
    return found


def sign_in(request: Request, account: Account) -> None:
    """A new session for the account (a fresh CSRF token: no token from before the sign-in works)."""
    request.session.clear()
    request.session["account"] = account.name
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()
