"""The controller's desk: a local web page to enter and check a certificate, and a JSON API.

``create_app(service, settings)`` (:mod:`kpcheck.serve.app`) builds the Starlette application
over a :class:`~kpcheck.serve.service.CheckService`, which owns the one loaded
:class:`~kpcheck.api.Checker` and runs every check on one dedicated worker thread (durable_rules
is not thread-safe). ``kpcheck serve`` (:mod:`kpcheck.cli.serve`) loads the checker and runs the
application under uvicorn. Nothing here holds rule logic.
"""
