"""The JSON API: ``POST /api/v1/check``, reading a submission, the rules, health.

``POST /api/v1/check`` answers with the JSON report of docs/report-format.md, exactly what
``kpcheck check --format json`` writes for the same file: 200 when the submission was checked,
422 when it is not a submission (the report's ``error`` names the location, as the CLI does),
500 when the engine failed on it (status ``error``, no traceback).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kpcheck import __version__
from kpcheck.i18n import LANGUAGES, gettext_for
from kpcheck.i18n.labels import N_
from kpcheck.register.errors import RegisterError
from kpcheck.serve.openapi import openapi
from kpcheck.serve.present import errors_text, input_errors
from kpcheck.serve.rules_view import rule_detail, rule_summary
from kpcheck.serve.security import bearer, token_ok, unauthorised
from kpcheck.serve.service import CheckService, RecordRefused
from kpcheck.serve.sessions import CSRF_HEADER, account_of, csrf_ok
from kpcheck.verdicts import Verdict

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
JSON_TYPES = ("application/json", "")
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


class BadRequest(Exception):
    """A request the API refuses: ``message`` an English catalogue text with ``{name}`` fields."""

    def __init__(self, message: str, location: str, status: int = 400, **values: str):
        super().__init__(message)
        self.location, self.status, self.values = location, status, values

    def said(self, request: Request) -> str:
        text = asked_gettext(request)(str(self))
        return text.format(**self.values) if self.values else text  # a message without fields may hold braces


def asked_gettext(request: Request) -> Callable[[str], str]:
    """The ``_`` of the request's ``?lang=`` (English when it names no language of the desk)."""
    asked = request.query_params.get("lang", "")
    return gettext_for(asked) if asked in LANGUAGES else gettext_for("en")


def problem(message: str, location: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "location": location}}, status_code=status)


def kind_of(request: Request) -> str:
    """``yaml`` for a YAML content type, ``json`` for JSON or none; any other type is refused
    (415), so that no page of another site can send a submission as a plain form or text."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in YAML_TYPES:
        return "yaml"
    if media not in JSON_TYPES:
        raise BadRequest(
            N_("a submission is sent as application/json or application/yaml, not {media}"), "Content-Type", 415, media=repr(media)
        )
    return "json"


def lang_of(request: Request, default: str) -> str:
    lang = request.query_params.get("lang", default)
    if lang not in LANGUAGES:
        raise BadRequest(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}", "lang")
    return lang


def flag_of(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in TRUE + FALSE:
        raise BadRequest(N_("{name} is true or false, got {value}"), name, name=name, value=repr(value))
    return value in TRUE


async def session_ok(request: Request) -> bool:
    """The page of a signed-in account calls the API with its session; a call that changes
    or submits anything also carries the session's CSRF token in its header."""
    if request.method not in ("GET", "HEAD") and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        return False
    return await account_of(request) is not None


def guarded(handler: Any) -> Any:
    """The token check and the 400s of query parameters, around one API handler."""

    async def endpoint(request: Request) -> Response:
        service: CheckService = request.app.state.service
        if not token_ok(request.app.state.settings.token, bearer(request)) and not await session_ok(request):
            return unauthorised(asked_gettext(request))
        try:
            answer: Response = await handler(request, service)
            return answer
        except BadRequest as exc:
            return problem(exc.said(request), exc.location, exc.status)

    return endpoint


async def check(request: Request, service: CheckService) -> Response:
    lang = lang_of(request, request.app.state.settings.api_lang)
    source = request.query_params.get("source", "request")
    record, kind = flag_of(request, "record"), kind_of(request)
    raw = await request.body()
    try:
        outcome = await service.check(raw, kind, source, lang, record, request.query_params.get("by"))
    except RecordRefused:
        return problem(gettext_for(lang)("recording needs a register: start the desk with --register"), "record", 400)
    except RegisterError as exc:
        return problem(
            gettext_for(lang)("the register cannot be used: {problem}; nothing was checked").format(problem=exc), "register", 503
        )
    status = 200
    if outcome.result.status is Verdict.ERROR:
        status = 422 if outcome.submission is None else 500
    return Response(outcome.report, status_code=status, media_type="application/json")


async def read_submission(request: Request, service: CheckService) -> Response:
    """A submission file (JSON or YAML) read and validated, as JSON: for loading into the form."""
    kind = kind_of(request)
    raw = await request.body()
    loaded = await service.read(raw, kind, request.query_params.get("source", "request"))
    if loaded.submission is None:
        err = loaded.error
        lang = request.query_params.get("lang", "en")
        said = errors_text(input_errors(raw, lang, kind)) if lang in LANGUAGES and lang != "en" else ""
        return problem(said or (err.message if err else "unreadable"), err.location if err else loaded.source, 422)
    return JSONResponse({"submission": loaded.submission.model_dump(mode="json")})


async def explain(request: Request, service: CheckService) -> Response:
    """Why each finding and each "not applicable" of a submission (or ``?rule=ID`` alone) is so."""
    from kpcheck.engine.explain import ExplainError

    lang = lang_of(request, request.app.state.settings.api_lang)
    kind, rule_id = kind_of(request), request.query_params.get("rule")
    try:
        answer = await service.explain(await request.body(), kind, request.query_params.get("source", "request"), lang, rule_id)
    except ExplainError as exc:
        return problem(str(exc), "rule", 404)
    except ValueError as exc:
        return problem(str(exc), "submission", 422)
    from kpcheck.tooling.explain_render import explanation_lines

    for doc in answer["explanations"].values():
        doc["text"] = explanation_lines(doc, lang)  # the same lines as `kpcheck explain`, for the page
    return Response(json.dumps(answer, ensure_ascii=False), media_type="application/json")


async def rules(request: Request, service: CheckService) -> Response:
    book = service.checker.book
    return JSONResponse({"rulebook": service.meta["rulebook"], "rules": [rule_summary(r) for r in book.rules]})


async def rule(request: Request, service: CheckService) -> Response:
    found = service.checker.book.get(request.path_params["rule_id"].upper())
    if found is None:
        text = asked_gettext(request)("no rule {rule}; GET /api/v1/rules lists them all").format(rule=request.path_params["rule_id"])
        return problem(text, "rule_id", 404)
    return Response(json.dumps(rule_detail(found), ensure_ascii=False, default=str), media_type="application/json")


async def spec(request: Request, service: CheckService) -> Response:
    return JSONResponse(openapi())


async def healthz(request: Request) -> Response:
    service: CheckService = request.app.state.service
    return JSONResponse(
        {
            "status": "ok",
            "kpcheck": __version__,
            "rulebook": service.meta["rulebook"],
            "reference": service.meta["reference"],
            "engine": service.checker.engine.kind,
            "checks": service.checks,
        }
    )


routes = [
    Route("/api/v1/check", guarded(check), methods=["POST"]),
    Route("/api/v1/submission", guarded(read_submission), methods=["POST"]),
    Route("/api/v1/explain", guarded(explain), methods=["POST"]),
    Route("/api/v1/rules", guarded(rules), methods=["GET"]),
    Route("/api/v1/rules/{rule_id}", guarded(rule), methods=["GET"]),
    Route("/api/v1/openapi.json", guarded(spec), methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
