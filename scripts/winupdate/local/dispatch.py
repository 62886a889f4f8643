"""WSGI middleware in front of moto's server: our operations first, moto for the rest.

Handlers are registered per (service, operation) with ``@operation``; moto keeps
answering everything nobody registered. ``@after`` hooks see moto's answer to an
operation and adjust state (an AMI created by moto starts ``pending`` in our
fleet model). The control API under ``/_winupdate/`` serves tests and the CLI.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import botocore.session
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import UNSIGNED_ACTIONS, UNSIGNED_REQUESTS

from . import request_shapes
from .errors import AwsError
from .idempotency import IdempotencyTokens, Key, captured
from .request_shapes import MAX_BODY_BYTES

if TYPE_CHECKING:
    from .server import EmbeddedAws

JSON_TARGET_PREFIXES = {"AmazonSSM": "ssm"}
# Services that answer errors in XML (botocore's "query"/"ec2" protocols).
QUERY_PROTOCOL = {"ec2", "sns", "iam", "sts", "autoscaling", "cloudformation", "rds", "sqs"}
CONTROL_PREFIX = "/_winupdate/"
# Set in the environ of a request that came over HTTP (server.py). Requests made in process
# come from botocore clients (the engine's, scripts'), whose parameter validation and
# serializer already made them well-formed: the checks of their shape are skipped, as they
# would cost a few microseconds on each of a simulation's 10^5 requests.
FROM_SOCKET = "winupdate.from_socket"
# Paths moto answers without knowing the service: its own API and instance metadata.
MOTO_OWN_PATHS = ("/moto-api", "/latest/meta-data/", "/latest/api/", "/favicon.ico")
# Services whose writes change who a key is or what it may do.
IDENTITY_SERVICES = ("iam", "sts")


@dataclass
class Call:
    """One request as our handlers see it."""

    aws: EmbeddedAws
    service: str
    operation: str
    region: str
    account_id: str
    access_key: str | None
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], dict[str, Any]]
AfterHook = Callable[[Call, int, bytes], None]

BeforeHook = Callable[[Call], None]
Probe = Callable[[Call], Any]

_OPERATIONS: dict[tuple[str, str], Handler] = {}
_PROBES: dict[tuple[str, str], Probe] = {}
_BEFORE: dict[tuple[str, str], list[BeforeHook]] = {}
_AFTER: dict[tuple[str, str], list[AfterHook]] = {}
_CONTROL: dict[tuple[str, str], Callable[[EmbeddedAws, dict[str, Any]], Any]] = {}


def operation(service: str, name: str) -> Callable[[Handler], Handler]:
    """Answer ``service``'s ``name`` operation ourselves: ``fn(call)`` returns a dict in
    botocore's output shape, answered as JSON, or as XML for the query protocols (EC2)."""

    def register(fn: Handler) -> Handler:
        _OPERATIONS[(service, name)] = fn
        return fn

    return register


def before(service: str, name: str) -> Callable[[BeforeHook], BeforeHook]:
    """Run ``fn(call)`` before the operation is answered; it may raise an ``AwsError``.

    For checks AWS makes that moto does not (a reserved document name, a runbook's
    content), without taking the operation itself over from moto.
    """

    def register(fn: BeforeHook) -> BeforeHook:
        _BEFORE.setdefault((service, name), []).append(fn)
        return fn

    return register


def after(service: str, name: str) -> Callable[[AfterHook], AfterHook]:
    """Run ``fn(call, status, body)`` after moto answered ``service``'s ``name``."""

    def register(fn: AfterHook) -> AfterHook:
        _AFTER.setdefault((service, name), []).append(fn)
        return fn

    return register


def probe(service: str, name: str) -> Callable[[Probe], Probe]:
    """Register ``fn(call)``: everything the answer to the read ``name`` depends on, as an
    immutable value that compares equal exactly when that answer would (see
    ``fingerprint``). For reads moto answers; a read we answer ourselves is its own
    probe."""

    def register(fn: Probe) -> Probe:
        _PROBES[(service, name)] = fn
        return fn

    return register


# Operations that only read: their answers depend on state, never change it.
READ_PREFIXES = ("Describe", "Get", "List")


def fingerprint(
    aws: EmbeddedAws,
    service: str,
    name: str,
    region: str,
    params: dict,
    access_key: str | None = None,
) -> Any:
    """What the answer to the read ``name(params)`` would depend on right now, without
    answering it; ``None`` when that cannot be told: no probe, a hook or an injected fault
    that would act on the call, an ``@after`` hook, or a call that would fail.

    A poller in virtual time compares this with the value it took at its last real call
    and reuses that answer when they are equal (``StepContext.call``).
    """
    key = (service, name)
    if not name.startswith(READ_PREFIXES) or key in _AFTER:
        return None
    fn = _PROBES.get(key) or _OPERATIONS.get(key)
    if fn is None or region not in known_regions():
        return None
    if aws.fault_pending(service, name):
        return None
    call = Call(aws, service, name, region, DEFAULT_ACCOUNT_ID, access_key, params)
    try:
        aws.authorize(call)  # a read that would be refused is made, to be refused
        aws.before_request()  # the modelled processes catch up, as for a request
        for check in _BEFORE.get(key, ()):
            check(call)
        if key in _PROBES:
            return fn(call)
        # Our own answer, as text: the dict may share lists with the live model, which
        # would change under a kept fingerprint and make it look unchanged.
        return json.dumps(fn(call), sort_keys=True, default=str)
    except Exception:  # the real call will answer the error
        return None


def control(method: str, path: str) -> Callable:
    """Serve ``method /_winupdate/<path>`` with ``fn(aws, params) -> JSON``."""

    def register(fn: Callable) -> Callable:
        _CONTROL[(method, path)] = fn
        return fn

    return register


def registered_operations() -> set[tuple[str, str]]:
    return set(_OPERATIONS)


# An Authorization header's credential scope: (access key, region, service).
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")


class Dispatcher:
    """The WSGI app the embedded AWS serves."""

    def __init__(self, aws: EmbeddedAws, moto_app: Callable) -> None:
        self.aws = aws
        self.moto_app = moto_app
        self.tokens = IdempotencyTokens()
        self.internal_failures: list[dict[str, str]] = []
        self._failures_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        # Counted so virtual time never jumps while a request is half answered.
        self.aws.request_started()
        try:
            return self._answer(environ, start_response)
        finally:
            self.aws.request_ended()

    def _answer(self, environ: dict[str, Any], start_response: Callable) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, start_response, path[len(CONTROL_PREFIX) :])
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        try:
            body = _read_body(environ)
            call = self._identify(environ, body)
        except AwsError as err:  # a request no AWS service would read
            return _answer_error(err, _scope_service(environ), bool(target), start_response)
        if call is not None:
            return self._answer_call(environ, start_response, call, target)
        try:
            self.aws.refuse_unidentified(environ)
            if not CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", "")) and not (
                _served_unsigned(environ, path, body)
            ):
                # Nothing says which service this is for. moto would take it for S3 (a
                # POST / of anything answered as ListBuckets); AWS refuses it unsigned.
                raise AwsError(
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token: the embedded AWS serves every "
                    "service at one endpoint and tells them apart by the signature's "
                    "credential scope; sign the request (only the operations AWS takes "
                    "unsigned, such as sts AssumeRoleWithWebIdentity, need no signature).",
                    403,
                )
        except AwsError as err:
            return _answer_query_error(err, "", start_response)
        return self.moto_app(environ, start_response)

    def _answer_call(
        self, environ: dict[str, Any], start_response: Callable, call: Call, target: str
    ) -> list[bytes]:
        """A named call: refused, or answered by our handler or moto; an injected lost
        answer replaces a success after it was carried out."""
        key = (call.service, call.operation)
        token = self.tokens.key(call) if key not in _OPERATIONS else None
        if token is None and not self.aws.fault_pending(*key):
            return self._carry_out(environ, start_response, call, target, None)
        with self.tokens.held(token) if token else contextlib.nullcontext():
            answer = captured(
                lambda respond: self._carry_out(environ, respond, call, target, token)
            )
        if answer.succeeded:
            lost = self.aws.lost_answer(call)
            if lost is not None:
                return self._refused(call, lost, start_response)
        return answer.send(start_response)

    def _carry_out(
        self,
        environ: dict[str, Any],
        start_response: Callable,
        call: Call,
        target: str,
        token: Key | None,
    ) -> list[bytes]:
        try:
            if call.region not in known_regions():
                # What AWS answers a request signed for a region that does not exist.
                raise AwsError(
                    "InvalidSignatureException",
                    f"Credential should be scoped to a valid region, not '{call.region}'.",
                )
            if target and FROM_SOCKET in environ:  # members of a wrong type, or missing
                request_shapes.check_json_input(call.service, call.operation, call.params)
            # IAM decides before anything else is looked at (a denied request
            # changes nothing, and is not faulted or counted by our services).
            self.aws.authorize(call)
            if token is not None:
                replayed = self.tokens.replay(call, token)
                if replayed is not None:  # a retry: answered again, carried out once
                    return replayed.send(start_response)
            self.aws.before_request(call)
            self.aws.check_faults(call)
            for check in _BEFORE.get((call.service, call.operation), ()):
                check(call)
        except AwsError as err:
            return self._refused(call, err, start_response)
        if token is None:
            return self._handled(environ, start_response, call, target)
        answer = captured(lambda respond: self._handled(environ, respond, call, target))
        self.tokens.remember(call, token, answer)
        return answer.send(start_response)

    def _bug(self, call: Call, code: str = "InternalFailure") -> AwsError:
        """A failure of ours while answering ``call`` (inside ``except``): logged with its
        traceback, counted (``GET /_winupdate/internal-failures``: a suite can tell that a
        retried 500 hid one), and answered in AWS's shape."""
        traceback.print_exc()
        with self._failures_lock:
            self.internal_failures.append(
                {
                    "service": call.service,
                    "operation": call.operation,
                    "error": traceback.format_exc(limit=-1).strip().splitlines()[-1],
                }
            )
        return _internal_failure(call.service, call.operation, code)

    def _refused(self, call: Call, err: AwsError, start_response: Callable) -> list[bytes]:
        if call.service in QUERY_PROTOCOL:
            return _answer_query_error(err, call.service, start_response)
        return self._answer_json(call, _raiser(err), start_response)

    def _handled(
        self, environ: dict[str, Any], start_response: Callable, call: Call, target: str
    ) -> list[bytes]:
        handler = _OPERATIONS.get((call.service, call.operation))
        if handler is not None:
            if call.service in QUERY_PROTOCOL:
                return self._answer_query(call, handler, start_response)
            return self._answer_json(call, handler, start_response)
        hooks = _AFTER.get((call.service, call.operation))
        try:
            if hooks:
                return self._moto_then_hooks(environ, start_response, call, hooks)
            return self.moto_app(environ, start_response)
        except NotImplementedError as err:  # an operation (or a part of one) moto lacks
            failure = request_shapes.not_supported(call.service, call.operation, str(err))
            return _answer_error(
                failure, call.service, bool(target), start_response, sys.exc_info()
            )
        except Exception:  # moto failed: answered in the protocol's shape, logged here
            return _answer_error(
                self._bug(call),
                call.service,
                bool(target),
                start_response,
                sys.exc_info(),
            )
        finally:
            if call.service in IDENTITY_SERVICES and not call.operation.startswith(READ_PREFIXES):
                self.aws.identities_changed()

    def _identify(self, environ: dict[str, Any], body: bytes) -> Call | None:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = CREDENTIAL.search(auth)
        access_key, region, service = match.groups() if match else (None, "us-east-1", None)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        params: dict[str, Any]
        if target:
            prefix, _, name = target.partition(".")
            service = JSON_TARGET_PREFIXES.get(prefix, service)
            if not service:
                return None  # unsigned: moto may know it (Cognito's), or it is refused
            # The operation first, as AWS routes on it before it reads the body.
            request_shapes.known_json_operation(service, prefix, name)
            params = request_shapes.json_params(body)
        else:
            form = parse_qs(body.decode("utf-8", "replace")) if body else {}
            query = parse_qs(environ.get("QUERY_STRING", ""))
            merged = {**query, **form}
            name = (merged.get("Action") or [""])[0]
            params = {k: v[0] if len(v) == 1 else v for k, v in merged.items()}
            if service:
                _check_action(service, name)
        if not service or not name:
            return None
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        return Call(
            aws=self.aws,
            service=service,
            operation=name,
            region=region,
            account_id=DEFAULT_ACCOUNT_ID,
            access_key=access_key,
            params=params,
            headers=headers,
        )

    def _answer_json(self, call: Call, handler: Handler, start_response: Callable) -> list[bytes]:
        try:
            result = handler(call)
            status, payload = 200, result
        except AwsError as err:
            status, payload = err.status, {"__type": err.code, "message": err.message}
        except Exception:  # a bug of ours still answers in AWS's shape, logged here
            failure = self._bug(call, "InternalServerError")
            status, payload = failure.status, {"__type": failure.code, "message": failure.message}
        data = json.dumps(payload, default=_json_default).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("Content-Length", str(len(data))),
                ("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000"),
            ],
        )
        return [data]

    def _answer_query(self, call: Call, handler: Handler, start_response: Callable) -> list[bytes]:
        """Our answer to a query-protocol operation (EC2's XML), in botocore's output shape."""
        from .moto_patches.query_answers import serialize

        try:
            status, headers, body = serialize(call.service, call.operation, handler(call))
        except AwsError as err:
            return _answer_query_error(err, call.service, start_response)
        except NotImplementedError as err:  # a part of the operation we do not model
            failure = request_shapes.not_supported(call.service, call.operation, str(err))
            return _answer_query_error(failure, call.service, start_response)
        except Exception:  # a bug of ours still answers in AWS's shape, logged here
            failure = self._bug(call)
            return _answer_query_error(failure, call.service, start_response)
        data = body.encode()
        headers["Content-Length"] = str(len(data))
        start_response(f"{status} OK", list(headers.items()))
        return [data]

    def _moto_then_hooks(
        self, environ: dict[str, Any], start_response: Callable, call: Call, hooks: list[AfterHook]
    ) -> list[bytes]:
        answer = captured(lambda respond: self.moto_app(environ, respond))
        code = int(answer.status.split()[0])
        for hook in hooks:
            hook(call, code, answer.body)
        return answer.send(start_response)

    def _control(self, environ: dict[str, Any], start_response: Callable, path: str) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        handler = _CONTROL.get((method, path))
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            body = _read_body(environ)
        except AwsError as err:
            data = json.dumps({"error": err.message}).encode()
            start_response(
                f"{err.status} Error",
                [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
            )
            return [data]
        if handler is None:
            status, payload = 404, {"error": f"no control endpoint {method} /_winupdate/{path}"}
        else:
            try:
                params = {**query, **_control_body(body)}
                status, payload = 200, handler(self.aws, params)
            except (ValueError, KeyError, TypeError, AwsError) as err:
                # An AWS error keeps its code (a test or the CLI tells them apart by it).
                message = f"{err.code}: {err.message}" if isinstance(err, AwsError) else str(err)
                status, payload = 400, {"error": f"{method} /_winupdate/{path}: {message}"}
            except Exception:  # a bug of ours: logged here, not shown as Python's text
                traceback.print_exc()
                status, payload = (
                    500,
                    {
                        "error": f"{method} /_winupdate/{path} failed inside the embedded AWS; "
                        "its log has the traceback."
                    },
                )
        data = json.dumps(payload, default=_json_default).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every AWS partition botocore knows, plus the global pseudo-region."""
    session = botocore.session.get_session()
    regions = {"aws-global", "global"}
    for partition in session.get_available_partitions():
        for service in ("ec2", "ssm", "sts", "iam", "sns"):
            regions.update(session.get_available_regions(service, partition))
    return frozenset(regions)


def _raiser(err: AwsError) -> Handler:
    def handler(call: Call) -> dict[str, Any]:
        raise err

    return handler


def _answer_query_error(
    err: AwsError, service: str, start_response: Callable, exc_info: Any = None
) -> list[bytes]:
    from xml.sax.saxutils import escape

    code, message = escape(err.code), escape(err.message)
    if service == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            "</Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID>"
            "</Response>"
        )
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        )
    data = body.encode()
    start_response(
        f"{err.status} Error",
        [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))],
        exc_info,
    )
    return [data]


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back for moto: at most ``MAX_BODY_BYTES``, and
    only as long as the server's timeout lets a client take to send it."""
    stream = environ["wsgi.input"]
    if isinstance(stream, io.BytesIO):  # in process: the whole body is already here
        length = len(stream.getbuffer())
        if length > MAX_BODY_BYTES:
            raise _too_large(length)
        return stream.getvalue()
    declared = environ.get("CONTENT_LENGTH") or ""
    chunked = environ.get("wsgi.input_terminated", False)
    if not chunked:
        if not declared.isdigit():  # int() would take "-1", " 5" or "1_0"
            if declared:
                raise AwsError(
                    "BadRequest", f"Content-Length {declared!r} is not a number of bytes."
                )
            declared = "0"
        length = int(declared)
        if length > MAX_BODY_BYTES:
            raise _too_large(length)  # refused before it is read
    try:
        if chunked:
            body = stream.read(MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES:
                raise _too_large(len(body))
        else:
            body = stream.read(length) if length else b""
    except OSError as err:  # the socket's timeout (TimeoutError), or a dropped client
        how = "within the embedded AWS's timeout" if isinstance(err, TimeoutError) else "whole"
        raise AwsError(
            "RequestTimeout",
            f"The request body did not arrive {how} (Content-Length {declared or 'chunked'}).",
            408,
        ) from None
    if not chunked and len(body) < length:  # the client closed its end early
        raise AwsError(
            "IncompleteBody",
            f"The request body has {len(body)} bytes; its Content-Length says {length}.",
        )
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _too_large(length: int) -> AwsError:
    return AwsError(
        "RequestEntityTooLarge",
        f"The request body of {length} bytes is larger than the {MAX_BODY_BYTES} bytes the "
        "embedded AWS reads.",
        413,
    )


def _control_body(body: bytes) -> dict[str, Any]:
    """A control request's JSON body: an object, or nothing."""
    if not body:
        return {}
    try:
        params = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError(f"the body is not UTF-8 JSON ({err})") from None
    if not isinstance(params, dict):
        raise ValueError(f"the body must be a JSON object, not {type(params).__name__}")
    return params


def _served_unsigned(environ: dict[str, Any], path: str, body: bytes) -> bool:
    """Whether an unsigned request is one AWS takes unsigned, as moto routes those: its
    own paths, sts AssumeRoleWith{WebIdentity,SAML}, Cognito's identity operations."""
    if path.startswith(MOTO_OWN_PATHS):
        return True
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.partition(".")[0] in UNSIGNED_REQUESTS
    form = parse_qs(body.decode("utf-8", "replace")) if body else {}
    query = parse_qs(environ.get("QUERY_STRING", ""))
    action = (form.get("Action") or query.get("Action") or [""])[0]
    return action in UNSIGNED_ACTIONS


def _scope_service(environ: dict[str, Any]) -> str:
    match = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(3) if match else ""


def _check_action(service: str, name: str) -> None:
    """A request without X-Amz-Target to a query-protocol service must name an operation
    it has (Action); one to a JSON-protocol service names none. As AWS answers them."""
    protocol = request_shapes.protocol(service)
    if protocol == "json":
        raise request_shapes.UnknownOperationException(
            f"A request to {service} names its operation in the X-Amz-Target header; "
            "this one has none."
        )
    if protocol not in ("query", "ec2"):
        return
    if not name:
        raise AwsError("MissingAction", f"The request to {service} names no operation (no Action).")
    if name not in request_shapes.operation_names(service):
        raise AwsError(
            "InvalidAction", f"The action {name} is not valid for this web service ({service})."
        )


def _internal_failure(service: str, operation: str, code: str = "InternalFailure") -> AwsError:
    return AwsError(
        code,
        f"The embedded AWS failed to answer {service} {operation}: a bug of the emulator, "
        "not of the request; its log has the traceback.",
        500,
    )


def _answer_error(
    err: AwsError,
    service: str,
    json_protocol: bool,
    start_response: Callable,
    exc_info: Any = None,
) -> list[bytes]:
    """``err`` in the shape of the protocol the request was made in."""
    if not json_protocol and request_shapes.protocol(service) == "json":
        json_protocol = True  # a JSON service's request without X-Amz-Target
    if not json_protocol:
        return _answer_query_error(err, service, start_response, exc_info)
    data = json.dumps({"__type": err.code, "message": err.message}).encode()
    start_response(
        f"{err.status} Error",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000"),
        ],
        exc_info,
    )
    return [data]


def _json_default(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot serialise {type(value).__name__}")
