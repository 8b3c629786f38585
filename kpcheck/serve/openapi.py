"""The OpenAPI 3.1 description of the desk's JSON API, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from kpcheck import __version__


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _report(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}}


LANG = {
    "name": "lang",
    "in": "query",
    "schema": {"type": "string", "enum": ["en", "ru", "kk"]},
    "description": "Language of titles and messages, as `--lang` (default: the server's `--lang`).",
}
SOURCE = {
    "name": "source",
    "in": "query",
    "schema": {"type": "string", "default": "request"},
    "description": "The name given to the submission in the report's `source` and error locations.",
}
RECORD = {
    "name": "record",
    "in": "query",
    "schema": {"type": "boolean", "default": False},
    "description": "Record the submission and its decision in the register (needs `--register`).",
}
BY = {
    "name": "by",
    "in": "query",
    "schema": {"type": "string"},
    "description": "The controller or department asking, stored with a recorded decision (default: `--by`).",
}
BODY = {
    "required": True,
    "description": "One submission of docs/submission-format.md v1 (at most 1 MiB).",
    "content": {"application/json": {"schema": {"type": "object"}}, "application/yaml": {"schema": {"type": "string"}}},
}
COMMON = {
    "401": _error("A token is configured and the request has no valid `Authorization: Bearer` header."),
    "403": _error("A browser request sent by a page of another site (`Origin` differs)."),
    "413": _error("The body is larger than 1 MiB."),
    "415": _error("The body is not sent as application/json or application/yaml."),
    "421": {"description": "The `Host` header is not one this desk answers to."},
}


def openapi() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kpcheck desk API",
            "version": __version__,
            "description": "Checks Kimberley Process certificates against the law of the Republic of Kazakhstan.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "object", "properties": {"message": {"type": "string"}, "location": {"type": "string"}}}
                    },
                },
                "Report": {
                    "type": "object",
                    "description": "The JSON report of docs/report-format.md, one result.",
                    "required": ["kpcheck", "rulebook", "reference", "results", "summary"],
                },
            },
        },
        "security": [{"bearer": []}, {}],
        "paths": {
            "/api/v1/check": {
                "post": {
                    "summary": "Check one submission",
                    "parameters": [LANG, SOURCE, RECORD, BY],
                    "requestBody": BODY,
                    "responses": {
                        "200": _report("Checked: the report, as `kpcheck check --format json` gives it."),
                        "400": _error("A query parameter is wrong, or `record` without a register."),
                        "422": _report("Not a submission: the result has status `error` and a located message."),
                        "500": _report("The engine failed on the submission (status `error`)."),
                        "503": _error("The register cannot be reached or is locked; nothing was checked."),
                        **COMMON,
                    },
                }
            },
            "/api/v1/submission": {
                "post": {
                    "summary": "Read and validate a submission file (JSON or YAML) without checking it",
                    "parameters": [SOURCE],
                    "requestBody": BODY,
                    "responses": {
                        "200": {"description": "The submission as JSON (amounts as exact decimal texts)."},
                        "422": _error("Not a submission: the located message."),
                        **COMMON,
                    },
                }
            },
            "/api/v1/explain": {
                "post": {
                    "summary": "Why each finding and each rule not applicable of one submission is so (or one rule's, with `rule`)",
                    "parameters": [
                        LANG,
                        SOURCE,
                        {"name": "rule", "in": "query", "required": False, "schema": {"type": "string"}, "description": "One rule id."},
                    ],
                    "requestBody": BODY,
                    "responses": {
                        "200": {
                            "description": "`{explanations: {RULE: explanation}}`: the result, the clauses with the values they "
                            "read, the derived facts (working days one by one), the values by date read, "
                            "as `kpcheck explain --format json`."
                        },
                        "404": _error("No such rule evaluated on one submission."),
                        "422": _error("Not a submission: the located message."),
                        **COMMON,
                    },
                }
            },
            "/api/v1/rules": {
                "get": {
                    "summary": "Every rule of the loaded rulebook",
                    "responses": {"200": {"description": "The rulebook and its rules."}, **COMMON},
                }
            },
            "/api/v1/rules/{rule_id}": {
                "get": {
                    "summary": "One rule in full",
                    "parameters": [{"name": "rule_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "The rule."}, "404": _error("No such rule."), **COMMON},
                }
            },
            "/api/v1/register/events": {
                "post": {
                    "summary": "Record an event of a certificate after its check (as `kpcheck register event`)",
                    "parameters": [LANG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["number", "kind", "on"],
                                    "properties": {
                                        "number": {"type": "string"},
                                        "kind": {
                                            "type": "string",
                                            "enum": ["damaged", "duplicate-issued", "coupon-sent", "receipt-confirmed"],
                                        },
                                        "on": {"type": "string", "description": "2026-03-15 or 15.03.2026"},
                                        "by": {"type": "string", "description": "Who records it (default: the desk's `--by`)."},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "Recorded: the event."},
                        "200": {"description": "The same event was recorded before; nothing was added."},
                        "400": _error("The body is not an event (the location names the key)."),
                        "409": _error("The desk has no register."),
                        "422": _error("Refused: an unknown number, a kind of the other direction, a day before presentation."),
                        "503": _error("The register cannot be used."),
                        **COMMON,
                    },
                }
            },
            "/api/v1/register/due": {
                "get": {
                    "summary": "The open items, overdue first (as `kpcheck register due --format json`)",
                    "parameters": [
                        LANG,
                        {
                            "name": "on",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "The day to look from (default: today).",
                        },
                    ],
                    "responses": {
                        "200": {"description": "The open items."},
                        "400": _error("A query parameter is wrong."),
                        "409": _error("The desk has no register."),
                        "503": _error("The register cannot be used."),
                        **COMMON,
                    },
                }
            },
            "/api/v1/openapi.json": {"get": {"summary": "This description", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            "/healthz": {
                "get": {
                    "summary": "Liveness, with the loaded rulebook's identity",
                    "security": [],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
    }
