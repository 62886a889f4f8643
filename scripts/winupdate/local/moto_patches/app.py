"""moto's server app without Flask's request machinery around each call.

moto serves every service as a Flask app whose views only wrap moto's own callbacks
(``convert_to_flask_response``). Flask's part of a request — contexts, signals, sessions,
CORS, debug hooks on form parsing — cost more than moto's answer to most reads. Here the
same app routes the request (same host inference, same URL map), the same callback
answers it with the same request class, and its result becomes the same Flask
``Response``, with the CORS headers moto's Flask-CORS would add; ``test_moto_app.py``
compares the two apps' answers byte for byte. One difference is left: in debug mode Flask
makes a missing ``request.files`` key a 500 on a request that is not multipart; moto
answers the 400 it raises. moto's own endpoints (``/moto-api``, instance metadata) still
go through Flask.

Both the HTTP server and in-process calls use this app: there is one path to moto.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError
from flask import Response
from flask_cors.core import ACL_ORIGIN, get_cors_headers, get_cors_options
from moto.core.request import Request
from moto.core.utils import convert_to_flask_response
from moto.moto_api import recorder
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.settings import DISABLE_GLOBAL_CORS
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException

# Backends whose views need Flask itself (templates, the request context).
_FLASK_BACKENDS = {"moto_api", "instance_metadata"}


class WsgiRequest(Request):
    """moto's request as its Flask app builds it (``BackendRequest``) minus Flask's
    mixin: received by a WSGI server, so moto leaves the Date header to the server."""

    from_wsgi_server = True


class _Domains(DomainDispatcherApplication):
    """moto's routing by host, each host's backend found once: moto tries every
    service's URL patterns in turn on every request, and they do not change."""

    def __init__(self, create_app: Callable) -> None:
        super().__init__(create_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


class MotoApp:
    """A WSGI app answering as ``DomainDispatcherApplication(create_backend_app)`` does."""

    def __init__(self) -> None:
        self.domains = _Domains(create_backend_app)
        # Per backend app: its Flask-CORS options, as ``CORS(app)`` computed them.
        self._cors: dict[int, Any] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        app = self.domains.get_application(environ)
        if app.service in _FLASK_BACKENDS:  # type: ignore[attr-defined]
            return app(environ, start_response)
        try:
            endpoint, _args = app.url_map.bind_to_environ(environ).match()
            view = app.view_functions[endpoint]
            if not isinstance(view, convert_to_flask_response):
                return app(environ, start_response)
            request = WsgiRequest(environ)
            try:
                response = _respond(view.callback, request)
            finally:
                request.close()  # as Flask does: spooled upload files are closed now
        except HTTPException as err:
            # What Flask answers for moto's errors (they are werkzeug HTTPExceptions)
            # and for a path no view matches.
            response = err.get_response(environ)
        if not DISABLE_GLOBAL_CORS and not response.headers.get(ACL_ORIGIN):
            # moto's ``CORS(app)``: one resource, "/*", with Flask-CORS's defaults.
            headers = EnvironHeaders(environ)
            method = environ.get("REQUEST_METHOD", "GET")
            for name, value in get_cors_headers(self._cors_options(app), headers, method).items():
                response.headers.add(name, value)
        return response(environ, start_response)

    def _cors_options(self, app: Any) -> Any:
        # Keyed by the app's id, held while this MotoApp holds the apps themselves.
        if id(app) not in self._cors:
            self._cors[id(app)] = get_cors_options(app, {}, {}, {})
        return self._cors[id(app)]


def _respond(callback: Callable, request: WsgiRequest) -> Response:
    """``convert_to_flask_response.__call__`` with the request handed over, not taken
    from Flask's context."""
    recorder._record_request(request)
    try:
        result = callback(request, request.raw_url, dict(request.headers))
    except ClientError as exc:
        result = 400, {}, exc.response["Error"]["Message"]
    if len(result) == 3:
        status, headers, content = result
    else:
        status, headers, content = 200, {}, result
    response = Response(response=content, status=status, headers=headers)
    if request.method == "HEAD" and "content-length" in headers:
        response.headers["Content-Length"] = headers["content-length"]
    return response
