"""The desk page (``GET /``), signing in and out, the printable check report (``POST /report``).

Templates are Jinja2 with autoescaping and the gettext extension, one environment per
interface language. The page's own script builds the submission from the form and has it
checked (``POST /desk/check``, :mod:`kpcheck.serve.desk_routes`); the printable report shows
the kept check (or checks the posted submission when there is none).

With a register (``--register``) the desk is for named accounts: every page but the sign-in
asks for one. Every form post carries the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kpcheck.i18n import LANGUAGES, gettext_for, translations
from kpcheck.register.accounts import Account
from kpcheck.register.errors import RegisterError
from kpcheck.serve.form import GROUPS, join
from kpcheck.serve.present import ROLES, day, number
from kpcheck.serve.security import token_ok
from kpcheck.serve.service import CheckService, Kept, Outcome
from kpcheck.serve.sessions import account_of, csrf_ok, csrf_token, sign_in, sign_out
from kpcheck.serve.view import result_view, severities, verdicts

LANGUAGE_NAMES = (("ru", "Русский"), ("kk", "Қазақша"), ("en", "English"))


@functools.cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("kpcheck.serve", "templates"),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["code"] = code
    return env


def code(text: str) -> Markup:
    """A command or an option inside a translated sentence, marked as code (not a word to translate)."""
    return Markup("<code>{}</code>").format(text)


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Verdicts and severities in the interface language (also handed to the page's script)."""
    return {"verdicts": verdicts(lang), "severities": severities(lang)}


def script_texts(lang: str) -> dict[str, Any]:
    _ = translations(lang).gettext
    words = {
        "checking": _("Checking…"),
        "checked": _("Checked"),
        "failed": _("The check failed"),
        "loaded": _("Loaded"),
        "saved": _("Saved"),
        "bad_json": _("Extensions must be a JSON object"),
        "bad_decimal": _("Not a number: write it as 1250,50 or 1 250,50"),
        "bad_int": _("Not a whole number"),
        "fix_fields": _("Some fields cannot be read; they are marked. Nothing was checked."),
        "not_read": _("The submission could not be read; the fields concerned are marked"),
        "token": _("This desk needs an access token"),
        "signin": _("Sign in again: the session has ended"),
        "forbidden": _("Only a controller records decisions"),
        "choose": _("Choose the decision"),
        "recorded": _("Decision recorded"),
        "changed": _("The register changed since this check; check again"),
        "why": _("Why?"),
    }
    return {**labels(lang), "words": words}


def page_lang(request: Request) -> str:
    fallback: str = request.app.state.settings.page_lang
    lang = request.query_params.get("lang", fallback)
    return lang if lang in LANGUAGES else fallback


def context(request: Request, lang: str, account: Account | None) -> dict[str, Any]:
    """What every page's frame needs: language, links, the CSRF token, who is signed in."""
    kept = {k: v for k, v in request.query_params.items() if k != "lang"}
    return {
        "lang": lang,
        "languages": LANGUAGE_NAMES,
        "base": request.scope.get("root_path", "") + "/",
        "csrf": csrf_token(request),
        "account": account,
        "roles": ROLES,
        "keep_query": urlencode(kept) + "&" if kept else "",
        "register": request.app.state.service.register is not None,
        **labels(lang),
    }


def render(request: Request, name: str, lang: str, status: int = 200, account: Account | None = None, **values: Any) -> HTMLResponse:
    return HTMLResponse(render_text(request, name, lang, account, **values), status_code=status)


def render_text(request: Request, name: str, lang: str, account: Account | None = None, **values: Any) -> str:
    return environment(lang).get_template(name).render(**context(request, lang, account), **values)


def signin_needed(request: Request) -> bool:
    """With a register the desk is for named accounts."""
    return request.app.state.service.register is not None


def to_signin(request: Request, lang: str) -> Response:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/signin?lang={lang}", status_code=303)


async def desk(request: Request) -> Response:
    lang = page_lang(request)
    account = await account_of(request)
    if signin_needed(request) and account is None:
        return to_signin(request, lang)
    return render(
        request,
        "desk.html",
        lang,
        account=account,
        groups=GROUPS,
        join=join,
        texts=script_texts(lang),
        today=dt.datetime.now(request.app.state.settings.zone).date().isoformat(),
        token_required=bool(request.app.state.settings.token) and not signin_needed(request),
    )


async def form_of(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the desk's forms), first value of each name."""
    return {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True).items()}


def form_lang(request: Request, form: dict[str, str]) -> str:
    asked = form.get("lang", "")
    return asked if asked in LANGUAGES else str(request.app.state.settings.page_lang)


def refused(lang: str, status: int, text: str) -> HTMLResponse:
    return HTMLResponse(f'<!doctype html><html lang="{lang}"><title>{status}</title><p>{escape(text)}</p></html>', status)


async def register_account(request: Request, lang: str) -> Account | Response:
    """The signed-in account on a desk with a register, or the response that refuses the page
    (no register: 404) or sends to the sign-in."""
    _ = gettext_for(lang)
    if request.app.state.service.register is None:
        return refused(lang, 404, _("This desk has no register (start it with %(option)s).") % {"option": "--register"})
    account = await account_of(request)
    return to_signin(request, lang) if account is None else account


async def signin_page(request: Request) -> Response:
    lang = page_lang(request)
    if not signin_needed(request):
        return RedirectResponse(f"{request.scope.get('root_path', '')}/?lang={lang}", status_code=303)
    return render(request, "signin.html", lang, no_accounts=await _no_accounts(request))


async def _no_accounts(request: Request) -> bool:
    from kpcheck.register.accounts import listed

    return not await asyncio.to_thread(listed, request.app.state.service.register)


async def signin(request: Request) -> Response:
    form = await form_of(request)
    lang = form_lang(request, form)
    _ = gettext_for(lang)
    if not csrf_ok(request, form.get("csrf")):
        return refused(lang, 403, _("The form has expired; open the page again."))
    register = request.app.state.service.register
    if register is None:
        return to_signin(request, lang)
    from kpcheck.register.accounts import signed_in

    account = await asyncio.to_thread(signed_in, register, form.get("token", ""))
    if account is None:
        return render(
            request, "signin.html", lang, 401, problem=_("This token opens no account (or the account is disabled)."), no_accounts=False
        )
    sign_in(request, account)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/?lang={lang}", status_code=303)


async def signout(request: Request) -> Response:
    form = await form_of(request)
    lang = form_lang(request, form)
    if not csrf_ok(request, form.get("csrf")):
        return refused(lang, 403, gettext_for(lang)("The form has expired; open the page again."))
    sign_out(request)
    return to_signin(request, lang)


def party(value: Any) -> str:
    if value is None:
        return "—"
    return ", ".join(str(v) for v in (value.name, value.address, value.country, value.bin) if v) or "—"


def report_html(
    request: Request, kept: Kept, outcome: Outcome, lang: str, history: list[dict[str, Any]], decision: dict[str, Any] | None = None
) -> str:
    """The printable report of a kept check in ``lang`` (with the decision, when one is recorded)."""
    service: CheckService = request.app.state.service
    zone = request.app.state.settings.zone
    sub = outcome.submission
    view = result_view(outcome.result, list(outcome.errors), sub, kept.sha256, lang, zone, kept.checked_at, service.checker.book, history)
    amounts = ""
    if sub is not None and (sub.certificate.total_carats is not None or sub.certificate.total_value_usd is not None):
        amounts = " · ".join(
            number(v, lang) if v is not None else "—" for v in (sub.certificate.total_carats, sub.certificate.total_value_usd)
        )
    return render_text(
        request,
        "report.html",
        lang,
        result=outcome.result,
        view=view,
        sub=sub,
        presented=day(sub.presented_on, lang) if sub else "",
        amounts=amounts,
        meta=service.meta,
        party=party,
        submission_sha256=kept.sha256,
        decision=decision,
    )


async def report(request: Request) -> Response:
    """The printable report of the page's check: the kept one (``result``) as it was shown, or
    the posted submission checked now when the page has not checked it yet."""
    form = await form_of(request)
    lang = form_lang(request, form)
    _ = gettext_for(lang)
    if not csrf_ok(request, form.get("csrf")):
        return refused(lang, 403, _("The form has expired; open the page again."))
    account = await account_of(request)
    if signin_needed(request) and account is None:
        return refused(lang, 401, _("Sign in again: the session has ended"))
    if not signin_needed(request) and not token_ok(request.app.state.settings.token, form.get("token")):
        return refused(lang, 401, _("This desk needs an access token"))
    service: CheckService = request.app.state.service
    kept = service.recall(form.get("result", ""))
    if kept is None or (form.get("submission") and form["submission"].encode() != kept.raw):
        try:
            kept = await service.check_page(form.get("submission", "").encode())
        except RegisterError as exc:
            return refused(lang, 503, str(exc))
    outcome = kept.outcomes[lang]
    history = await service.history(outcome.submission) if outcome.submission is not None else []
    return HTMLResponse(report_html(request, kept, outcome, lang, history), 200 if outcome.submission else 422)


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(resources.files("kpcheck.serve").joinpath("static")))


routes = [
    Route("/", desk, methods=["GET"]),
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/report", report, methods=["POST"]),
    Mount("/static", app=static_files(), name="static"),
]
