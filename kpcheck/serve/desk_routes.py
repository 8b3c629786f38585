"""The page's own calls: a check kept for the page, the kept check again in another language,
the controller's decision, and the register page with its printed reports.

``POST /desk/check`` answers with the result panel rendered in the page's language, the token
the check is kept under, and each field a refused submission has wrong; ``GET
/desk/result/{token}`` renders the kept check again (a switch of language checks nothing anew).
``POST /desk/decision`` records the controller's decision on the kept check; ``GET /register``
lists decisions; ``GET /register/decision/{pk}`` is a decision's report as it was printed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kpcheck.i18n import LANGUAGES, gettext_for
from kpcheck.i18n.labels import DIRECTION, word
from kpcheck.register.accounts import Account
from kpcheck.register.errors import RegisterError
from kpcheck.serve.page_routes import (
    form_lang,
    form_of,
    page_lang,
    refused,
    register_account,
    render,
    render_text,
    report_html,
    signin_needed,
)
from kpcheck.serve.present import OUTCOMES, plural
from kpcheck.serve.security import bearer, token_ok
from kpcheck.serve.service import CheckService, Kept, RecordRefused, RegisterChanged
from kpcheck.serve.sessions import CSRF_HEADER, account_of, csrf_ok
from kpcheck.serve.view import decision_view, result_view, verdicts

MAX_COMMENT = 2000


def problem(message: str, status: int, location: str = "") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "location": location}}, status_code=status)


def outcomes(lang: str) -> list[tuple[str, str]]:
    _ = gettext_for(lang)
    return [(value, _(label)) for value, label in OUTCOMES.items()]


async def panel(request: Request, kept: Kept, lang: str, account: Account | None) -> dict[str, Any]:
    """The result panel of a kept check in ``lang``, with the register's history of its number."""
    service: CheckService = request.app.state.service
    outcome = kept.outcomes[lang]
    sub = outcome.submission
    history = await service.history(sub) if sub is not None else []
    zone = request.app.state.settings.zone
    view = result_view(outcome.result, list(outcome.errors), sub, kept.sha256, lang, zone, kept.checked_at, service.checker.book, history)
    recorded = [d for entry in history for d in entry["decisions"] if d["pk"] in kept.decisions]
    html = render_text(
        request,
        "_result.html",
        lang,
        account,
        view=view,
        token=kept.token,
        sub=sub,
        outcomes=outcomes(lang),
        recorded=[decision_view(d, lang, zone) for d in recorded],
    )
    return {
        "result": kept.token,
        "lang": lang,
        "status": view["status"],
        "html": html,
        "errors": list(outcome.errors),
        "flags": sorted({p["path"] for f in view["findings"] for p in f["fields"]}),
    }


async def gate(request: Request, lang: str) -> tuple[Account | None, Response | None]:
    """The signed-in account (with a register) and, when the call may not go on, the answer."""
    account = await account_of(request)
    if signin_needed(request) and account is None:
        return None, problem(gettext_for(lang)("Sign in again: the session has ended"), 401, "session")
    if not signin_needed(request) and not token_ok(request.app.state.settings.token, bearer(request)):
        return None, problem(gettext_for(lang)("This desk needs an access token"), 401, "Authorization")
    return account, None


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang", "")
    return lang if lang in LANGUAGES else request.app.state.settings.page_lang


async def check(request: Request) -> Response:
    lang = lang_of(request)
    if not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        return problem(gettext_for(lang)("The form has expired; open the page again."), 403, CSRF_HEADER)
    account, refusal = await gate(request, lang)
    if refusal is not None:
        return refusal
    service: CheckService = request.app.state.service
    try:
        kept = await service.check_page(await request.body())
    except RegisterError as exc:
        return problem(str(exc), 503, "register")
    return JSONResponse(await panel(request, kept, lang, account), status_code=200 if kept.submission is not None else 422)


async def result(request: Request) -> Response:
    lang = lang_of(request)
    account, refusal = await gate(request, lang)
    if refusal is not None:
        return refusal
    kept = request.app.state.service.recall(request.path_params["token"])
    if kept is None:
        return problem(gettext_for(lang)("This check is no longer kept; check again."), 404, "result")
    return JSONResponse(await panel(request, kept, lang, account), status_code=200 if kept.submission is not None else 422)


async def explain(request: Request) -> Response:
    """Why a rule gives its result on the kept check (``kpcheck explain``'s lines, in ``lang``)."""
    lang = lang_of(request)
    _account, refusal = await gate(request, lang)
    if refusal is not None:
        return refusal
    service: CheckService = request.app.state.service
    kept = service.recall(request.path_params["token"])
    if kept is None:
        return problem(gettext_for(lang)("This check is no longer kept; check again."), 404, "result")
    from kpcheck.engine.explain import ExplainError
    from kpcheck.tooling.explain_render import explanation_lines

    try:
        answer = await service.explain(kept.raw, "json", "desk", lang, request.query_params.get("rule") or None)
    except ExplainError as exc:
        return problem(str(exc), 404, "rule")
    except ValueError as exc:
        return problem(str(exc), 422, "submission")
    for doc in answer["explanations"].values():
        doc["text"] = explanation_lines(doc, lang)
    return JSONResponse(answer)


async def decision(request: Request) -> Response:
    """The controller's decision on the kept check: a form post (CSRF token in a hidden field)."""
    form = await form_of(request)
    lang = form_lang(request, form)
    _ = gettext_for(lang)
    if not csrf_ok(request, form.get("csrf")):
        return problem(_("The form has expired; open the page again."), 403, "csrf")
    account, refusal = await gate(request, lang)
    if refusal is not None:
        return refusal
    if account is None or not account.may_record:
        return problem(_("Only a controller records decisions"), 403, "account")
    service: CheckService = request.app.state.service
    kept = service.recall(form.get("result", ""))
    if kept is None:
        return problem(_("This check is no longer kept; check again."), 404, "result")
    chosen = form.get("outcome", "")
    if chosen not in OUTCOMES:
        return problem(_("Choose the decision"), 400, "outcome")
    comment = form.get("comment", "").strip()
    if len(comment) > MAX_COMMENT:
        return problem(_("The comment is too long"), 400, "comment")
    outcome = kept.outcomes[lang]
    if outcome.submission is None:
        return problem(_("The submission could not be read"), 400, "result")
    history = await service.history(outcome.submission)
    zone = request.app.state.settings.zone

    def printed(at: dt.datetime) -> str:
        shown = {"decision": _(OUTCOMES[chosen]), "comment": comment, "by": account.name, "at": decision_view_at(at, lang, zone)}
        return report_html(request, kept, outcome, lang, history, shown)

    try:
        await service.record(kept, lang, {"outcome": chosen, "comment": comment, "by": account.name, "lang": lang}, printed)
    except RegisterChanged:
        return problem(_("The register changed since this check; check again"), 409, "register")
    except RecordRefused as exc:
        return problem(str(exc), 400, "record")
    except RegisterError as exc:
        return problem(str(exc), 503, "register")
    return JSONResponse(await panel(request, kept, lang, account))


def decision_view_at(at: dt.datetime, lang: str, zone: dt.tzinfo) -> str:
    from kpcheck.serve.present import moment

    return moment(at, lang, zone)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def register_page(request: Request) -> Response:
    lang = page_lang(request)
    _ = gettext_for(lang)
    service: CheckService = request.app.state.service
    account = await register_account(request, lang)
    if isinstance(account, Response):
        return account
    q = request.query_params
    filters = {name: q.get(name, "") for name in ("from", "to", "decision", "controller", "status")}
    zone = request.app.state.settings.zone
    start, end = _day(filters["from"]), _day(filters["to"])
    problem_text = _("A date is written YYYY-MM-DD.") if (filters["from"] and not start) or (filters["to"] and not end) else None
    since = dt.datetime.combine(start, dt.time(), zone) if start else None
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone) if end else None
    from kpcheck.register.store import deciders, recent_decisions

    register = service.register

    def work() -> tuple[list[dict[str, Any]], list[str]]:
        with register.reading() as conn:
            found = recent_decisions(
                conn,
                since,
                until,
                filters["decision"] or None,
                filters["controller"] or None,
                filters["status"] or None,
            )
            return found, deciders(conn)

    try:
        found, names = await asyncio.to_thread(work)
    except RegisterError as exc:
        return refused(lang, 503, str(exc))
    rows = []
    for d in found:
        shown = decision_view({**d, "report": d["has_report"]}, lang, zone)
        rows.append({**shown, "number": d["raw_number"], "id": d["submission_id"], "direction": word(DIRECTION, d["direction"], _)})
    statuses = list(verdicts(lang).items())
    return render(
        request,
        "register.html",
        lang,
        account=account,
        rows=rows,
        filters=filters,
        outcomes=outcomes(lang),
        controllers=names,
        statuses=statuses,
        problem=problem_text,
        count=plural(lang, "{n} decision", "{n} decisions", len(rows)),
    )


async def printed_report(request: Request) -> Response:
    """A decision's report exactly as it was printed when the decision was recorded."""
    lang = page_lang(request)
    _ = gettext_for(lang)
    service: CheckService = request.app.state.service
    signed_in = await register_account(request, lang)
    if isinstance(signed_in, Response):
        return signed_in
    try:
        pk = int(request.path_params["pk"])
    except ValueError:
        return refused(lang, 404, _("No such decision."))
    from kpcheck.register.store import decision_report

    register = service.register

    def work() -> tuple[str | None, str | None] | None:
        with register.reading() as conn:
            return decision_report(conn, pk)

    found = await asyncio.to_thread(work)
    if found is None:
        return refused(lang, 404, _("No such decision."))
    if found[0] is None:
        return refused(lang, 404, _("This decision was recorded without the desk: it has no printed report."))
    return HTMLResponse(found[0])


routes = [
    Route("/desk/check", check, methods=["POST"]),
    Route("/desk/result/{token}", result, methods=["GET"]),
    Route("/desk/decision", decision, methods=["POST"]),
    Route("/desk/explain/{token}", explain, methods=["GET"]),
    Route("/register", register_page, methods=["GET"]),
    Route("/register/decision/{pk}", printed_report, methods=["GET"]),
]
