"""Idempotency tokens, as AWS honours them: a request retried with the token of one that
was carried out gets that request's answer again, and changes nothing.

Which member is an operation's token is data: botocore's service models mark it
``idempotencyToken`` (CreateMaintenanceWindow's, RegisterTaskWithMaintenanceWindow's and
RunInstances' ``ClientToken`` among them). Every SDK fills it in when the caller does not,
and sends the same value on each retry — so a create whose answer is lost on the way back
(an HTTP 500 after the write, a dropped connection) and is retried by the SDK makes one
resource, not two. moto ignores these tokens: a lost answer left an untracked second
maintenance window behind a Terraform apply. Operations our own handlers answer keep
their tokens themselves (``fleet/root_volumes``: CreateReplaceRootVolumeTask).

Assumed where the documentation is silent: a token is kept for the life of the embedded
AWS (AWS documents no expiry for Systems Manager's; EC2 says "at least 24 hours"), per
account, region and operation; a retry with other parameters is refused with
``IdempotentParameterMismatch`` (the code Systems Manager and EC2 both give); only a
successful answer is kept, so a refused request can be made again with its token.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore.session

from .errors import AwsError

if TYPE_CHECKING:
    from .dispatch import Call

Key = tuple[str, str, str, str, str]  # account, region, service, operation, token


@dataclass(frozen=True)
class Answer:
    """An answer as the WSGI app gave it."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def succeeded(self) -> bool:
        return self.status.startswith("2")

    def send(self, start_response: Callable) -> list[bytes]:
        start_response(self.status, self.headers)
        return [self.body]


def captured(answer: Callable[[Callable], Any]) -> Answer:
    """Call ``answer(start_response)`` (a WSGI app bound to its environ) and keep what it
    gave, unsent."""
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        got["status"], got["headers"] = status, list(headers)
        return lambda _data: None

    body = b"".join(answer(start_response))
    return Answer(got["status"], got["headers"], body)


@functools.cache
def token_member(service: str, operation: str) -> str | None:
    """The request member (as it is sent) that carries ``operation``'s idempotency token,
    from botocore's model; ``None`` when the operation has none."""
    try:
        model = botocore.session.get_session().get_service_model(service)
        shape = model.operation_model(operation).input_shape
    except Exception:  # a service or operation botocore does not know has no token
        return None
    if shape is None:
        return None
    for name, member in shape.members.items():
        if member.metadata.get("idempotencyToken"):
            wire = member.serialization.get("name") or name
            if model.protocol == "ec2":  # botocore's ec2 serializer: queryName, or capitalized
                wire = member.serialization.get("queryName") or wire[0].upper() + wire[1:]
            return wire
    return None


class IdempotencyTokens:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[Key, tuple[str, Answer]] = {}
        self._in_flight: dict[Key, threading.Lock] = {}

    @staticmethod
    def key(call: Call) -> Key | None:
        member = token_member(call.service, call.operation)
        token = call.params.get(member) if member else None
        if not token:
            return None
        return (call.account_id, call.region, call.service, call.operation, str(token))

    @contextmanager
    def held(self, key: Key) -> Iterator[None]:
        """One request with a given token at a time: a retry that arrives while the
        first is still being answered waits for its answer."""
        with self._lock:
            lock = self._in_flight.setdefault(key, threading.Lock())
        with lock:
            yield

    def replay(self, call: Call, key: Key) -> Answer | None:
        """The answer of the request this token was first used with; refused if that
        request had other parameters."""
        with self._lock:
            kept = self._answers.get(key)
        if kept is None:
            return None
        parameters, answer = kept
        if parameters != _parameters(call):
            raise AwsError(
                "IdempotentParameterMismatch",
                f"The idempotency token {key[4]!r} was used before with other parameters of "
                f"{call.operation}; use a new token for a different request.",
            )
        return answer

    def remember(self, call: Call, key: Key, answer: Answer) -> None:
        if answer.succeeded:
            with self._lock:
                self._answers[key] = (_parameters(call), answer)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._in_flight.clear()


def _parameters(call: Call) -> str:
    member = token_member(call.service, call.operation)
    rest = {k: v for k, v in call.params.items() if k != member}
    return json.dumps(rest, sort_keys=True, default=str)
