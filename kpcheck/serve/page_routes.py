"""The desk page (``GET /``) and the printable check report (``POST /report``).

Templates are Jinja2 with autoescaping and the gettext extension, one environment per
interface language. The page's own script builds the submission from the form and calls the
JSON API; the printable report is rendered here from the same check.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kpcheck.i18n import LANGUAGES, translations
from kpcheck.register.errors import RegisterError
from kpcheck.serve.form import GROUPS, join
from kpcheck.serve.security import token_ok
from kpcheck.serve.service import CheckService

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
    return env


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Verdicts and severities in the interface language (also handed to the page's script)."""
    _ = translations(lang).gettext
    return {
        "verdicts": {
            "compliant": _("COMPLIANT"),
            "review": _("REVIEW"),
            "non_compliant": _("NON-COMPLIANT"),
            "invalid": _("INVALID"),
            "error": _("NOT READ"),
        },
        "severities": {"invalid": _("invalid"), "violation": _("violation"), "warning": _("warning"), "info": _("info")},
    }


def script_texts(lang: str) -> dict[str, Any]:
    _ = translations(lang).gettext
    words = {
        "legal_basis": _("Legal basis"),
        "fields": _("Fields"),
        "not_applicable": _("Rules not applicable"),
        "no_findings": _("No findings."),
        "checking": _("Checking…"),
        "checked": _("Checked"),
        "failed": _("The check failed"),
        "loaded": _("Loaded"),
        "saved": _("Saved"),
        "bad_json": _("Extensions must be a JSON object"),
        "not_read": _("The submission could not be read"),
        "token": _("This desk needs an access token"),
        "waived": _("Waived"),
        "why": _("Why?"),
    }
    return {**labels(lang), "words": words}


def page_lang(request: Request) -> str:
    fallback: str = request.app.state.settings.page_lang
    lang = request.query_params.get("lang", fallback)
    return lang if lang in LANGUAGES else fallback


def render(request: Request, name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    template = environment(lang).get_template(name)
    html = template.render(lang=lang, languages=LANGUAGE_NAMES, base=request.scope.get("root_path", "") + "/", **labels(lang), **context)
    return HTMLResponse(html, status_code=status)


async def desk(request: Request) -> Response:
    lang = page_lang(request)
    return render(
        request,
        "desk.html",
        lang,
        groups=GROUPS,
        join=join,
        texts=script_texts(lang),
        today=dt.date.today().isoformat(),
        token_required=bool(request.app.state.settings.token),
    )


def party(value: Any) -> str:
    if value is None:
        return "—"
    return ", ".join(str(v) for v in (value.name, value.address, value.country, value.bin) if v) or "—"


async def report(request: Request) -> Response:
    """The printable report of the form's submission (posted as a form field by the page)."""
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    asked = form.get("lang", "")
    lang: str = asked if asked in LANGUAGES else request.app.state.settings.page_lang
    if not token_ok(request.app.state.settings.token, form.get("token")):
        return HTMLResponse("<!doctype html><title>401</title><p>This desk needs an access token.</p>", 401)
    service: CheckService = request.app.state.service
    raw = form.get("submission", "").encode()
    try:
        outcome = await service.check(raw, "json", "desk", lang)
    except RegisterError as exc:
        return HTMLResponse(f"<!doctype html><title>503</title><p>{escape(str(exc))}</p>", 503)
    now = dt.datetime.now(dt.timezone.utc).astimezone()
    return render(
        request,
        "report.html",
        lang,
        200 if outcome.submission else 422,
        result=outcome.result,
        sub=outcome.submission,
        meta=service.meta,
        party=party,
        submission_sha256=hashlib.sha256(raw).hexdigest(),
        checked_at=now.strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)"),
    )


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(resources.files("kpcheck.serve").joinpath("static")))


routes = [
    Route("/", desk, methods=["GET"]),
    Route("/report", report, methods=["POST"]),
    Mount("/static", app=static_files(), name="static"),
]
