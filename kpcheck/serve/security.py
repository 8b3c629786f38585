"""Guards around every request: the Host header, the body size, security headers, the token.

Pure ASGI middlewares, so that a body is counted while it streams in (a missing or false
``Content-Length`` does not get past the limit) and nothing is buffered before it is checked.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def host_of(header: str) -> str:
    """The host name of a ``Host`` header, without the port (``[::1]:8080`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


class TrustedHost:
    """Refuse (421) a request whose ``Host`` is not one the desk is bound to: DNS rebinding."""

    def __init__(self, app: Any, hosts: Iterable[str]):
        self.app, self.hosts = app, frozenset(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if host_of(host) not in self.hosts:
                response = PlainTextResponse(
                    f"421 Misdirected Request: this desk does not answer to host {host_of(host)!r}\n", status_code=421
                )
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a body over ``limit`` bytes, by ``Content-Length`` or while it streams."""

    def __init__(self, app: Any, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), b"0")
        if not length.isdigit() or int(length) > self.limit:
            return await self.refuse(scope, receive, send)
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:
                raise
            await self.refuse(scope, receive, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {
                "error": {
                    "message": f"the body is larger than {self.limit} bytes (1 MiB); a submission is one certificate",
                    "location": "body",
                }
            },
            status_code=413,
            headers={"connection": "close"},
        )
        await response(scope, receive, send)


class SecurityHeaders:
    """A strict Content-Security-Policy (no inline script or style) and friends on every response."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


class SameOrigin:
    """403 for a state-changing request that a page of another origin sent (CSRF): a browser
    names the sending page's origin in ``Origin``; clients that are not browsers send none."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = {k.decode(): v.decode("latin-1") for k, v in scope["headers"] if k in (b"origin", b"host")}
            origin = headers.get("origin")
            if origin is not None and origin.partition("://")[2].lower() != headers.get("host", "").lower():
                response = JSONResponse(
                    {"error": {"message": f"a request from another site ({origin}) is refused", "location": "Origin"}}, status_code=403
                )
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


def token_ok(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of the token; no token configured lets everything through."""
    if not expected:
        return True
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def unauthorised(_: Callable[[str], str] = str) -> JSONResponse:
    """401, said in the language of ``_`` (the request's ``?lang=``)."""
    return JSONResponse(
        {"error": {"message": _("this desk needs a token: Authorization: Bearer <token>"), "location": "Authorization"}},
        status_code=401,
        headers={"www-authenticate": 'Bearer realm="kpcheck"'},
    )
