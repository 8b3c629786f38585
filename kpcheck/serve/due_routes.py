"""The desk's open items and events: ``GET /due`` lists what is due, overdue first (as
``kpcheck register due``), with a button on each item to record the event that closes it;
``POST /desk/event`` records an event (from the result panel's buttons or the list) in the
signed-in controller's name, then shows the list again.

Both need the desk's register and a signed-in account; recording needs a controller (an
auditor reads) and the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import DIRECTION, word
from kpcheck.register.errors import RegisterError
from kpcheck.register.events import KINDS
from kpcheck.serve.page_routes import form_lang, form_of, page_lang, refused, register_account, render
from kpcheck.serve.register_routes import DATE_FORMATS
from kpcheck.serve.service import CheckService
from kpcheck.serve.sessions import csrf_ok


def _day(text: str | None) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime((text or "").strip(), fmt).date()
        except ValueError:
            continue
    return None


def today(request: Request) -> dt.date:
    """Today where the desk is (its --timezone)."""
    return dt.datetime.now(request.app.state.settings.zone).date()


async def due_page(request: Request, message: str | None = None, error: str | None = None, status: int = 200) -> Response:
    lang = page_lang(request)
    _ = gettext_for(lang)
    service: CheckService = request.app.state.service
    account = await register_account(request, lang)
    if isinstance(account, Response):
        return account
    raw = request.query_params.get("on", "")
    day = _day(raw) if raw else today(request)
    problem = None
    if day is None:
        problem, day = _("A date is written YYYY-MM-DD."), today(request)
    from kpcheck.register.due_render import item_label, kind_label, period, state
    from kpcheck.register.events import due_items
    from kpcheck.register.periods import NoDuplicateDeadline, periods_of

    settings = request.app.state.settings
    register = service.register
    try:
        periods = periods_of(service.checker, settings.coupon_days, settings.receipt_days)

        def work() -> list[Any]:
            with register.reading() as conn:
                return due_items(conn, day, periods)

        items = await asyncio.to_thread(work)
    except (RegisterError, NoDuplicateDeadline) as exc:
        return refused(lang, 503, str(exc))
    rows = [
        {
            "item": item.item,
            "overdue": item.overdue(day),
            "state": state(item, day, lang),
            "deadline": item.deadline.isoformat() if item.deadline else "—",
            "awaited": item_label(item.item, lang),
            "kind": item.awaited,
            "kind_label": kind_label(item.awaited, lang),
            "number": item.raw_number,
            "id": item.submission_id,
            "direction": word(DIRECTION, item.direction, _),
            "since": item.since.isoformat(),
            "period": period(item, lang),
        }
        for item in items
    ]
    overdue = sum(row["overdue"] for row in rows)
    summary = _("Open items on {on}: {n}, overdue: {late}").format(on=day.isoformat(), n=len(rows), late=overdue)
    from kpcheck.register.due_render import kind_label as label_of

    return render(
        request,
        "due.html",
        lang,
        status,
        account,
        kinds=[(kind, label_of(kind, lang)) for kind in KINDS],
        rows=rows,
        on=day.isoformat(),
        today=today(request).isoformat(),
        summary=summary,
        problem=problem or error,
        message=message,
    )


async def event(request: Request) -> Response:
    """Record an event in the signed-in controller's name; back to the list (or the list again
    with the reason when the event is refused)."""
    form = await form_of(request)
    lang = form_lang(request, form)
    _ = gettext_for(lang)
    if not csrf_ok(request, form.get("csrf")):
        return refused(lang, 403, _("The form has expired; open the page again."))
    service: CheckService = request.app.state.service
    account = await register_account(request, lang)
    if isinstance(account, Response):
        return account
    if not account.may_record:
        return refused(lang, 403, _("Only a controller records events"))
    kind, number = form.get("kind", ""), form.get("number", "").strip()
    on = _day(form.get("on")) if form.get("on") else today(request)
    if kind not in KINDS or not number or on is None:
        return await _again(request, lang, _("Give the certificate number, the event and its date (YYYY-MM-DD)."))
    from kpcheck.register.events import EventRefused, record_event

    register = service.register
    now = dt.datetime.now(dt.timezone.utc)
    try:
        recorded = await service.run(lambda: register.write(lambda conn: record_event(conn, number, kind, on, account.name, now, lang)))
    except EventRefused as exc:
        return await _again(request, lang, f"{exc.location}: {exc.message}")
    except RegisterError as exc:
        return refused(lang, 503, str(exc))
    query = {"lang": lang, "done": f"{recorded.kind}|{recorded.raw_number}|{recorded.occurred_on.isoformat()}"}
    if recorded.already:
        query["already"] = "1"
    return RedirectResponse(f"{request.scope.get('root_path', '')}/due?{urlencode(query)}", status_code=303)


async def _again(request: Request, lang: str, error: str) -> Response:
    request.scope["query_string"] = urlencode({"lang": lang}).encode()
    return await due_page(request, error=error, status=422)


async def due_route(request: Request) -> Response:
    lang = page_lang(request)
    done = request.query_params.get("done", "").split("|")
    message = None
    if len(done) == 3 and done[0] in KINDS:
        from kpcheck.register.due_render import kind_label

        _ = gettext_for(lang)
        what = (
            _("Recorded: {event}, certificate {number}, {on}")
            if not request.query_params.get("already")
            else _("Already recorded: {event}, certificate {number}, {on}")
        )
        message = what.format(event=kind_label(done[0], lang), number=done[1], on=done[2])
    response = await due_page(request, message=message)
    return response


routes = [
    Route("/due", due_route, methods=["GET"]),
    Route("/desk/event", event, methods=["POST"]),
]
