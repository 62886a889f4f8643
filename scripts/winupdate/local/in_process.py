"""The embedded AWS's own calls (a runbook's steps) and its scripts' calls, answered
without a socket.

A boto3 client still validates, serialises and parses exactly as against AWS; only the
transport differs: its request goes straight into the same WSGI app the HTTP server
serves. A round trip through the HTTP server costs a TCP connection, a thread and an
HTTP parse per call — more than moto's answer itself.

The engine's clients do not sign either: nothing here checks a signature, and signing
was an eighth of an in-process DescribeImages. Their requests carry the credential
scope a signature would (``credential_scope``): who calls, where, and which service.

``answer`` works on plain data so that a request made in another process can be answered
too: a script worker relays its calls as JSON over its pipes (``script_workers``), and the
parent answers them here. ``sender`` does the same for a client in this process.
"""

from __future__ import annotations

import io
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from werkzeug.exceptions import InternalServerError

from .automation.script_workers import aws_response, request_body

WsgiApp = Callable[[dict[str, Any], Callable], Any]


def answer(
    app: WsgiApp, method: str, url: str, headers: Mapping[str, str | bytes], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """``app``'s answer (status, headers, body) to one request, as werkzeug's server would
    hand the request over and answer it."""
    parts = urlsplit(url)
    raw_path = parts.path or "/"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        # As werkzeug's server has it: PATH_INFO decoded (WSGI's latin-1 strings),
        # RAW_URI and REQUEST_URI as sent.
        "PATH_INFO": unquote(raw_path, encoding="latin-1"),
        "RAW_URI": raw_path + (f"?{parts.query}" if parts.query else ""),
        "REQUEST_URI": raw_path + (f"?{parts.query}" if parts.query else ""),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "127.0.0.1",
        "SERVER_PORT": str(parts.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": parts.netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list, exc_info: Any = None) -> Callable:
        started["status"], started["headers"] = int(status.split()[0]), response_headers
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
        # NotImplementedError for an action it lacks): a 500 the caller sees as an AWS
        # error, not a crash of the whole execution.
        traceback.print_exc()
        error = InternalServerError()
        return error.code, dict(error.get_headers()), error.get_body().encode("utf-8")
    return started["status"], dict(started["headers"]), data


def credential_scope(access_key: str | Callable[[], str]) -> Callable[..., None]:
    """A botocore ``before-sign`` handler for an unsigned client: the Authorization header
    of a SigV4 signature with its credential scope (key, date, region, service) and no
    signature. The region and service are the client's and its model's signing name: for
    a client with an endpoint URL of its own, the scope botocore signs with for the
    services the runbooks call (ec2, ssm, sns, iam, sts: ``test_in_process.py``). Only
    services whose endpoint rules rename the signing name (s3express) would differ.
    ``access_key`` may be a function: the key is then whoever is calling now."""

    key_of = access_key if callable(access_key) else lambda: access_key

    def add_scope(request: AWSRequest, signing_name: str, region_name: str, **_: Any) -> None:
        day = time.strftime("%Y%m%d", time.gmtime())
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={key_of()}/{day}/{region_name}/{signing_name}"
            "/aws4_request, SignedHeaders=host, Signature=none"
        )

    return add_scope


def sender(app: WsgiApp) -> Callable[..., AWSResponse]:
    """A botocore ``before-send`` handler answering every request from ``app``."""

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        body = request_body(request)
        status, headers, data = answer(app, request.method, request.url, request.headers, body)
        return aws_response(request.url, status, headers, data)

    return send
