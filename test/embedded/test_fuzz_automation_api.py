"""A bounded fuzz of the Automation API over HTTP: random bodies (bytes, JSON of any shape,
the operation's members with values of any type, and well-typed values with random content)
are never answered with a 5xx, every error is one botocore reads (a code and a message in
the JSON protocol's shape), and afterwards the server still serves, with the document and
the execution made before still there.

Bounded in count (``WINUPDATE_FUZZ_EXAMPLES``, 200 by default) and in wall time (60 s: the
examples left after it pass without a request); derandomized, so a failure repeats.
"""

from __future__ import annotations

import json
import os
import time

import botocore.parsers
import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_support import json_headers, raw

from automation_support import create_runbook, runbook, start

EXAMPLES = int(os.environ.get("WINUPDATE_FUZZ_EXAMPLES", "200"))
WALL_SECONDS = 60.0
OPERATIONS = [
    "StartAutomationExecution",
    "GetAutomationExecution",
    "StopAutomationExecution",
    "SendAutomationSignal",
    "DescribeAutomationExecutions",
    "DescribeAutomationStepExecutions",
    "CreateDocument",
    "DescribeDocument",
]
SSM = botocore.session.get_session().get_service_model("ssm")
JSON_PARSER = botocore.parsers.create_parser("json")

# Names the strings are drawn from besides random text, so that well-typed requests reach
# the handlers' logic (a real document, a real execution) and not only "not found".
KNOWN: list[str] = []

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _strings(shape) -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from([*(shape.enum or []), "bogus"]),
        # Read when first drawn from, after the fixture has filled it.
        st.deferred(lambda: st.sampled_from(KNOWN)),
        st.text(max_size=24),
    )


def well_typed(shape, depth: int = 0) -> st.SearchStrategy:
    """Values of ``shape``'s JSON types (what botocore's serializer would send) with
    random content."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 3:
            return st.just({})
        return st.fixed_dictionaries(
            {}, optional={name: well_typed(m, depth + 1) for name, m in shape.members.items()}
        )
    if kind == "list":
        return st.lists(well_typed(shape.member, depth + 1), max_size=0 if depth > 3 else 3)
    if kind == "map":
        return st.dictionaries(_strings(shape.key), well_typed(shape.value, depth + 1), max_size=3)
    if kind == "string":
        return _strings(shape)
    if kind in ("integer", "long"):
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double", "timestamp"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    return st.text(max_size=8)


def any_typed(shape) -> st.SearchStrategy:
    """The operation's member names, each with a JSON value of any type."""
    return st.fixed_dictionaries({}, optional={name: json_values for name in shape.members})


def bodies(operation: str) -> st.SearchStrategy:
    shape = SSM.operation_model(operation).input_shape
    as_json = st.one_of(well_typed(shape), any_typed(shape), json_values).map(
        lambda value: json.dumps(value).encode()
    )
    return st.one_of(as_json, as_json, st.binary(max_size=64))


requests = st.sampled_from(OPERATIONS).flatmap(
    lambda operation: st.tuples(st.just(operation), bodies(operation))
)


@pytest.fixture(scope="module")
def earlier(client):
    """A document and an execution (held at a pause) made before the fuzz."""
    ssm = client("ssm")
    held = create_runbook(ssm, runbook({"name": "hold", "action": "aws:pause", "inputs": {}}))
    short = create_runbook(
        ssm, runbook({"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}})
    )
    execution_id = start(ssm, held)
    # Well-typed requests may name these; only the short one may be started (runs of it end).
    KNOWN[:] = [short, execution_id, "Approve", "Auto", "Automation", "YAML", "JSON"]
    return held, execution_id


def test_random_bodies_never_get_a_5xx_and_the_server_keeps_its_state(endpoint, client, earlier):
    held, execution_id = earlier
    deadline = time.monotonic() + WALL_SECONDS
    seen: dict[str, int] = {}  # answers by error code ("OK"), printed with -s

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests)
    def one(request):
        if time.monotonic() > deadline:
            return
        operation, body = request
        if operation == "StartAutomationExecution" and held.encode() in body:
            return  # a run of the held document would wait for ever
        status, headers, data = raw(endpoint, body, json_headers(operation))
        assert status < 500, (operation, body, data)
        answer = "OK"
        if status != 200:
            error = JSON_PARSER.parse(
                {"status_code": status, "headers": HeadersDict(headers), "body": data}, None
            )["Error"]
            assert error["Code"] and error["Message"], (operation, body, data)
            answer = error["Code"]
        seen[answer] = seen.get(answer, 0) + 1

    one()
    print("answers:", dict(sorted(seen.items(), key=lambda kv: -kv[1])))
    # The fuzz reached both the serialization checks and the handlers behind them.
    assert seen.get("SerializationException", 0) > 0, seen
    assert len(seen.keys() - {"SerializationException"}) >= 3, seen

    ssm = client("ssm")
    assert ssm.describe_document(Name=held)["Document"]["Name"] == held
    execution = ssm.get_automation_execution(AutomationExecutionId=execution_id)
    assert execution["AutomationExecution"]["DocumentName"] == held
