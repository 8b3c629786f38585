"""The register's events and open items through the API: ``POST /api/v1/register/events``
(as ``kpcheck register event``) and ``GET /api/v1/register/due`` (as ``kpcheck register due
--format json``). Both need the desk's ``--register`` and, with a token, the token.

An event is ``{"number": ..., "kind": ..., "on": "2026-03-15", "by": "..."}`` as JSON: 201 when
it was recorded, 200 when the same event was recorded before (nothing added), 422 when it is
refused (an unknown number, a kind of the other direction, a day before presentation: the
error names the certificate), 400 for a body that is not such an object, 409 without a
register, 503 when the register cannot be used.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kpcheck.register.errors import RegisterError
from kpcheck.register.events import KINDS
from kpcheck.serve.api_routes import BadRequest, guarded, kind_of, lang_of, problem
from kpcheck.serve.service import CheckService

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
MAX_TEXT = 200


def day_of(raw: Any, location: str) -> dt.date:
    """A day written 2026-03-15 or 15.03.2026."""
    if isinstance(raw, str):
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(raw.strip(), fmt).date()
            except ValueError:
                continue
    raise BadRequest(f"{location} is a day, written 2026-03-15 or 15.03.2026; got {json.dumps(raw, ensure_ascii=False)[:40]}", location)


def text_of(body: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise BadRequest(f"{name} is a text of 1 to {MAX_TEXT} characters", name)
    return value.strip()


def no_register() -> JSONResponse:
    return problem("the desk has no register: start it with --register URL", "register", 409)


async def event(request: Request, service: CheckService) -> Response:
    lang = lang_of(request, request.app.state.settings.api_lang)
    if kind_of(request) != "json":
        raise BadRequest("an event is sent as application/json", "Content-Type", 415)
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not JSON", "body") from None
    if not isinstance(body, dict):
        raise BadRequest("an event is a JSON object {number, kind, on, by}", "body")
    unknown = sorted(set(body) - {"number", "kind", "on", "by"})
    if unknown:
        raise BadRequest(f"unknown key {unknown[0]!r}; an event has number, kind, on and by", unknown[0])
    number, kind = text_of(body, "number"), text_of(body, "kind")
    if kind not in KINDS:
        raise BadRequest(f"kind is one of {', '.join(KINDS)}", "kind")
    on, by = day_of(body.get("on"), "on"), text_of(body, "by", required=False) or service.by
    register = service.register
    if register is None:
        return no_register()
    assert number is not None
    from kpcheck.register.events import EventRefused, record_event

    now = dt.datetime.now(dt.timezone.utc)
    try:
        recorded = await service.run(lambda: register.write(lambda conn: record_event(conn, number, kind, on, by, now, lang)))
    except EventRefused as exc:
        return problem(exc.message, str(exc.location), 422)
    except RegisterError as exc:
        return problem(f"the register cannot be used: {exc}; nothing was recorded", "register", 503)
    return JSONResponse({"event": recorded.as_json()}, status_code=200 if recorded.already else 201)


async def due(request: Request, service: CheckService) -> Response:
    from kpcheck.register.due_render import as_json
    from kpcheck.register.events import due_items
    from kpcheck.register.periods import NoDuplicateDeadline, periods_of

    lang = lang_of(request, request.app.state.settings.api_lang)
    raw = request.query_params.get("on")
    on = day_of(raw, "on") if raw is not None else dt.date.today()
    register = service.register
    if register is None:
        return no_register()
    settings = request.app.state.settings
    try:
        periods = periods_of(service.checker, settings.coupon_days, settings.receipt_days)
    except NoDuplicateDeadline as exc:
        return problem(str(exc), "rules", 503)

    def read() -> list[Any]:
        with register.reading() as conn:
            return due_items(conn, on, periods)

    try:
        items = await service.run(read)
    except RegisterError as exc:
        return problem(f"the register cannot be used: {exc}", "register", 503)
    return JSONResponse(as_json(items, on, lang))


routes = [
    Route("/api/v1/register/events", guarded(event), methods=["POST"]),
    Route("/api/v1/register/due", guarded(due), methods=["GET"]),
]
