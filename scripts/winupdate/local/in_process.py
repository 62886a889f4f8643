"""The embedded AWS's own calls (a runbook's steps) answered without a socket.

A step's boto3 client still serialises, signs and parses exactly as against AWS; only
the transport differs: its request goes straight into the same WSGI app the HTTP
server serves, on the calling thread. A round trip through the HTTP server costs a TCP
connection, a thread and an HTTP parse per call — more than moto's answer itself.
"""

from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from werkzeug.exceptions import InternalServerError

WsgiApp = Callable[[dict[str, Any], Callable], Any]


class _Raw:
    """The raw body botocore reads from a response."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._stream = io.BytesIO(body)

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        return self._stream.read(*args, **kwargs)

    def close(self) -> None:
        self._stream.close()


def sender(app: WsgiApp) -> Callable[..., AWSResponse]:
    """A botocore ``before-send`` handler answering every request from ``app``."""

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        raw_path = url.path or "/"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            # As werkzeug's server has it: PATH_INFO decoded (WSGI's latin-1 strings),
            # RAW_URI and REQUEST_URI as sent.
            "PATH_INFO": unquote(raw_path, encoding="latin-1"),
            "RAW_URI": raw_path + (f"?{url.query}" if url.query else ""),
            "REQUEST_URI": raw_path + (f"?{url.query}" if url.query else ""),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "127.0.0.1",
            "SERVER_PORT": str(url.port or 80),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": url.netloc,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme or "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in request.headers.items():
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ[f"HTTP_{key}"] = value
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            answer["status"], answer["headers"] = int(status.split()[0]), headers
            return lambda _data: None

        try:
            chunks = app(environ, start_response)
            try:
                data = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except Exception:
            # What werkzeug's server answers when the app raises (moto raises
            # NotImplementedError for an action it lacks): a 500 the step sees as an AWS
            # error, not a crash of the whole execution.
            traceback.print_exc()
            error = InternalServerError()
            return AWSResponse(
                request.url,
                error.code,
                dict(error.get_headers()),
                _Raw(error.get_body().encode("utf-8")),
            )
        return AWSResponse(request.url, answer["status"], dict(answer["headers"]), _Raw(data))

    return send
