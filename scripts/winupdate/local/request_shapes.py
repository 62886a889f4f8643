"""What a well-formed request is, after botocore's service models, and AWS's answers to one
that is not.

botocore's serializers are the reference for what a client sends: for the JSON protocol, a
UTF-8 JSON object whose members have the JSON types of the operation's input shape
(structure and map: object; list: array; string and blob: string; integer and long: whole
number; float and double: number; boolean: true/false; timestamp: number or string). AWS
answers a body it cannot read into that shape with ``SerializationException`` (its
frontend's "Start of list found where not expected", "STRING_VALUE can not be converted to
an Integer"), and a missing required member with ``ValidationException`` ("1 validation
error detected: Value null at 'documentName' failed to satisfy constraint: Member must not
be null"). Both are checked here before IAM or a handler sees the params; constraints on
values (lengths, ranges, enums, patterns) stay with the handlers, which word them as the
operation does.

Assumed where AWS documents nothing: a member the shape does not have is ignored (AWS's
JSON services accept members newer than the caller's model); ``null`` is an absent member;
an empty body is ``{}``; a float for an integer member is refused (AWS's frontend would
truncate it; botocore never sends one).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.model import OperationNotFoundError, ServiceModel, Shape

from .errors import AwsError

# The largest request body the embedded AWS reads. AWS's own limits vary by service and
# are not all documented; this is well above any request the module's clients make (a
# CreateDocument at its 64 KB content limit, JSON-escaped, is under 1 MiB) and bounds the
# memory one request can take.
MAX_BODY_BYTES = 16 * 1024 * 1024


class SerializationException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("SerializationException", message)


class UnknownOperationException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("UnknownOperationException", message)


def not_supported(service: str, operation: str, detail: str = "") -> AwsError:
    """An operation AWS has and the embedded AWS (moto) does not.

    ``NotImplemented`` with 501: clients surface it at once instead of retrying (botocore's
    and the Go SDK's retryers retry 500, 502, 503 and 504, so an ``InternalFailure`` would
    be retried and then reported as a server fault), and the code says what it is.
    """
    message = f"{service} {operation} is not supported by the embedded AWS"
    standard = f"The {operation} action has not been implemented"
    if detail and detail != standard:
        message += f" ({detail})"
    return AwsError("NotImplemented", message + ".", 501)


# Bounded: the names come from requests (a credential scope), not only from botocore.
@functools.lru_cache(maxsize=128)
def service_model(service: str) -> ServiceModel | None:
    """botocore's model of ``service`` (a signing name), or None when botocore has none."""
    try:
        return botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return None


@functools.lru_cache(maxsize=128)
def protocol(service: str) -> str | None:
    """``json``, ``query``, ``ec2``, ``rest-xml``, ... (botocore's name), or None."""
    model = service_model(service)
    return None if model is None else model.protocol


@functools.lru_cache(maxsize=128)
def operation_names(service: str) -> frozenset[str]:
    model = service_model(service)
    return frozenset() if model is None else frozenset(model.operation_names)


def json_params(body: bytes) -> dict[str, Any]:
    """The params of a JSON-protocol request body, or ``SerializationException``."""
    if not body:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SerializationException(
            f"The request body is not UTF-8 text (byte {err.start} is not valid)."
        ) from None
    try:
        params = _DECODER.decode(text)
    except RecursionError:
        raise SerializationException("The request body is nested too deeply.") from None
    except ValueError as err:
        raise SerializationException(f"The request body is not JSON: {err}.") from None
    if not isinstance(params, dict):
        raise SerializationException(
            f"{_found(params)} where not expected: the request body must be a JSON object."
        )
    return params


def check_json_input(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise AWS's error unless ``params`` fit ``operation``'s input shape (see the module's
    docstring). Members whose value is ``null`` are removed from ``params``."""
    checker = _checker(service, operation)
    if checker is None:
        return
    nulls: list[str] = []
    try:
        checker(params, "", nulls)
    except RecursionError:
        raise SerializationException("The request body is nested too deeply.") from None
    if nulls:
        count = len(nulls)
        raise AwsError(
            "ValidationException",
            f"{count} validation error{'s' if count > 1 else ''} detected: "
            + "; ".join(
                f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
                for path in nulls
            ),
        )


def known_json_operation(service: str, prefix: str, operation: str) -> None:
    """Raise ``UnknownOperationException`` for an ``X-Amz-Target`` the service's model does
    not have (wrong prefix or no such operation), as AWS answers it."""
    model = service_model(service)
    if model is None:
        return
    expected = model.metadata.get("targetPrefix")
    if (expected and prefix != expected) or operation not in operation_names(service):
        raise UnknownOperationException(
            f"{prefix}.{operation} is not an operation of {service}"
            + (f" (its X-Amz-Target is {expected}.<Operation>)." if expected else ".")
        )


Checker = Callable[[Any, str, list[str]], None]
_CHECKERS: dict[tuple[str, str], Checker | None] = {}


def _checker(service: str, operation: str) -> Checker | None:
    key = (service, operation)
    if key not in _CHECKERS:
        model = service_model(service)
        checker = None
        if model is not None and model.protocol == "json":
            try:
                shape = model.operation_model(operation).input_shape
            except OperationNotFoundError:
                shape = None
            if shape is not None:
                checker = _Compiler().compile(shape)
        _CHECKERS[key] = checker
    return _CHECKERS[key]


def _member_path(path: str, name: str) -> str:
    # AWS's paths name members in lowerCamelCase, list items as <list>.<n>.member.
    camel = name[:1].lower() + name[1:]
    return f"{path}.{camel}" if path else camel


class _Compiler:
    """One checker function per shape, each shape compiled once (shapes may recurse)."""

    def __init__(self) -> None:
        self._done: dict[str, Checker] = {}

    def compile(self, shape: Shape) -> Checker:
        if shape.name in self._done:
            return self._done[shape.name]
        slot: list[Checker] = []
        # What a recursive reference calls until the shape's own checker exists.
        self._done[shape.name] = lambda value, path, nulls: slot[0](value, path, nulls)
        checker = self._build(shape)
        slot.append(checker)
        self._done[shape.name] = checker
        return checker

    def _build(self, shape: Shape) -> Checker:
        kind = shape.type_name
        if kind == "structure":
            if shape.metadata.get("document"):
                return _anything
            members = {name: self.compile(m) for name, m in shape.members.items()}
            required = tuple(shape.required_members)
            return _structure(shape.name, members, required)
        if kind == "list":
            return _list(self.compile(shape.member))
        if kind == "map":
            return _map(self.compile(shape.value))
        return _scalar(kind)


def _anything(value: Any, path: str, nulls: list[str]) -> None:
    pass


def _structure(name: str, members: dict[str, Checker], required: tuple[str, ...]) -> Checker:
    def check(value: Any, path: str, nulls: list[str]) -> None:
        if not isinstance(value, dict):
            raise _mismatch(value, path, f"a {name} structure (a JSON object)")
        absent = False
        for key, item in value.items():
            if item is None:
                absent = True
                continue
            member = members.get(key)
            if member is not None:
                member(item, _member_path(path, key), nulls)
        if absent:
            for key in [k for k, v in value.items() if v is None]:
                del value[key]
        for key in required:
            if key not in value:
                nulls.append(_member_path(path, key))

    return check


def _list(member: Checker) -> Checker:
    def check(value: Any, path: str, nulls: list[str]) -> None:
        if not isinstance(value, list):
            raise _mismatch(value, path, "a list (a JSON array)")
        for index, item in enumerate(value, 1):
            item_path = f"{path}.{index}.member"
            if item is None:
                raise SerializationException(f"null found where not expected at '{item_path}'.")
            member(item, item_path, nulls)

    return check


def _map(member: Checker) -> Checker:
    def check(value: Any, path: str, nulls: list[str]) -> None:
        if not isinstance(value, dict):
            raise _mismatch(value, path, "a map (a JSON object)")
        for key, item in value.items():
            item_path = f"{path}.{key}"
            if item is None:
                raise SerializationException(f"null found where not expected at '{item_path}'.")
            member(item, item_path, nulls)

    return check


def _is_number(value: Any) -> bool:
    # A JSON number too large for a double (1e400) reads as infinity: not a number to AWS.
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(bits: int) -> Callable[[Any], bool]:
    """A whole number that fits the Java type AWS reads it into (Integer, Long)."""
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


# Shape type -> (is the JSON value one, what the member is, as the message says it).
_SCALARS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "a String"),
    "blob": (lambda v: isinstance(v, str), "a Blob (a base64 string)"),
    "boolean": (lambda v: isinstance(v, bool), "a Boolean"),
    "integer": (_whole(32), "an Integer"),
    "long": (_whole(64), "a Long"),
    "float": (_is_number, "a Float"),
    "double": (_is_number, "a Double"),
    "timestamp": (lambda v: _is_number(v) or isinstance(v, str), "a Timestamp"),
}


def _scalar(kind: str) -> Checker:
    accepts, expected = _SCALARS.get(kind, (lambda v: True, kind))

    def check(value: Any, path: str, nulls: list[str]) -> None:
        if not accepts(value):
            raise _mismatch(value, path, expected)

    return check


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "Start of structure or map found"
    if isinstance(value, list):
        return "Start of list found"
    if isinstance(value, bool):
        return f"{str(value).upper()}_VALUE found"
    if isinstance(value, str):
        return "STRING_VALUE found"
    if isinstance(value, int | float):
        return "NUMBER_VALUE found"
    return "null found"


def _mismatch(value: Any, path: str, expected: str) -> SerializationException:
    where = f" at '{path}'" if path else ""
    if isinstance(value, dict | list):
        return SerializationException(
            f"{_found(value)} where not expected{where}: the member is {expected}."
        )
    name = _found(value).removesuffix(" found")
    return SerializationException(f"{name} can not be converted to {expected}{where}.")


def _refuse_constant(name: str) -> float:
    # Python's json reads NaN and Infinity; JSON (and AWS) does not.
    raise ValueError(f"{name} is not a JSON value")


# One decoder: json.loads with an argument builds a new one for every call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
