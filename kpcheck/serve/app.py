"""The Starlette application of the desk: routes, guards, state."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from kpcheck.serve import api_routes, desk_routes, due_routes, page_routes, register_routes
from kpcheck.serve.security import BodyLimit, SameOrigin, SecurityHeaders, TrustedHost
from kpcheck.serve.service import CheckService
from kpcheck.serve.sessions import COOKIE, MAX_AGE
from kpcheck.serve.settings import Settings


async def not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"message": f"no such endpoint: {request.url.path}", "location": request.url.path}}, status_code=404)
    return PlainTextResponse("404 Not Found\n", status_code=404)


async def server_error(request: Request, exc: Exception) -> Response:
    """Never a traceback to the client; the log has it."""
    return JSONResponse({"error": {"message": "internal error; see the server log", "location": request.url.path}}, status_code=500)


def create_app(service: CheckService, settings: Settings | None = None) -> Starlette:
    """The desk over one loaded :class:`CheckService`; the caller closes the service."""
    settings = settings or Settings()
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(TrustedHost, hosts=settings.trusted_hosts()),
        Middleware(SameOrigin),
        Middleware(BodyLimit, limit=settings.max_body),
        Middleware(SessionMiddleware, secret_key=settings.session_secret, session_cookie=COOKIE, max_age=MAX_AGE, same_site="strict"),
    ]
    app = Starlette(
        routes=[*api_routes.routes, *register_routes.routes, *desk_routes.routes, *due_routes.routes, *page_routes.routes],
        middleware=middleware,
        exception_handlers={404: not_found, 500: server_error},
    )
    app.state.service, app.state.settings = service, settings
    return app
