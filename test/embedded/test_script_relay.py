"""A script's boto3 calls are relayed over its worker's pipes, not sent over HTTP.

The parent answers them from the same WSGI app the HTTP server serves, so a relayed call
is answered, counted against its execution, faulted and throttled exactly as one over
HTTP. Calls a script makes elsewhere (a client with another endpoint, a session of its
own) still go over HTTP.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_automation_script_workers import result, run, script_runbook, script_step

from automation_support import api_calls, create_runbook, start, steps_by_name, wait_done
from winupdate.local.control_client import ControlClient
from winupdate.local.server import EmbeddedAws

# A script signs with its execution's role session (ASIA...); the test's own calls are
# signed with another key.
SCRIPT_KEY = "Credential=ASIA"


@pytest.fixture
def over_http(embedded_aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many requests signed with a script's key the HTTP server has answered since the
    test began (the test's own calls are signed with another key)."""
    seen: list[str] = []
    server = embedded_aws._server
    assert server is not None
    app = server.app

    def counting(environ: dict[str, Any], start_response: Callable) -> Any:
        seen.append(environ.get("HTTP_AUTHORIZATION", ""))
        return app(environ, start_response)

    # werkzeug's request handler calls the app its server holds.
    monkeypatch.setattr(server, "app", counting)
    return lambda: sum(SCRIPT_KEY in auth for auth in seen)


@pytest.fixture
def control(endpoint: str) -> Iterator[ControlClient]:
    client = ControlClient(endpoint)
    yield client
    client.clear_faults()


def parameter_name() -> str:
    return f"/relay/{uuid.uuid4().hex[:10]}"


SAME_ANSWERS = """
import boto3


def handler(events, context):
    name = events["Name"]
    relayed = boto3.client("ssm")
    relayed.put_parameter(Name=name, Value="relayed", Type="String")
    # A session of the script's own: its calls go over HTTP, as before.
    direct = boto3.Session().client("ssm")
    answers = {}
    for how, ssm in (("relayed", relayed), ("direct", direct)):
        got = ssm.get_parameter(Name=name)
        got.pop("ResponseMetadata")
        answers[how] = got
    return answers
"""


def test_a_script_s_calls_are_answered_without_http_and_as_http_would_answer(client, over_http):
    answers = result(run(client, SAME_ANSWERS, {"Name": parameter_name()}))
    assert answers["relayed"] == answers["direct"]
    assert answers["relayed"]["Parameter"]["Value"] == "relayed"
    assert over_http() == 1  # only the script's own session's call


REQUEST_ID = """
import boto3


def handler(events, context):
    # An answer of ours (not moto's): its header is spelled x-amzn-RequestId.
    got = boto3.client("ssm").describe_instance_information(MaxResults=5)
    return {"request_id": got["ResponseMetadata"].get("RequestId", "")}
"""


def test_a_relayed_answer_s_headers_are_read_whatever_their_case(client):
    assert result(run(client, REQUEST_ID))["request_id"]


LEFT_BEHIND = """
import sys
import threading
import time

import boto3


def handler(events, context):
    ssm = boto3.client("ssm")
    seen = sys.modules.setdefault("relay_left_behind", type(sys)("relay_left_behind"))
    seen.calls = []

    def late():
        time.sleep(0.2)  # the script has answered by now; no next request yet
        try:
            ssm.describe_parameters()
            seen.calls.append("answered")
        except Exception as err:
            seen.calls.append(type(err).__name__)

    threading.Thread(target=late, daemon=True).start()
    return {}
"""

LATE_CALLS = """
import sys


def handler(events, context):
    return {"calls": sys.modules["relay_left_behind"].calls}
"""


def test_a_call_from_a_thread_a_script_left_behind_corrupts_nothing(client):
    # The thread's call is refused between the script's answer and the next request (see
    # test_script_worker_relay), or made during the next script, in order with its calls.
    run(client, LEFT_BEHIND)
    time.sleep(0.5)
    deadline = time.monotonic() + 10
    while not (calls := result(run(client, LATE_CALLS))["calls"]):
        assert time.monotonic() < deadline, "the late call never ended"
    assert calls in (["answered"], ["ConnectionClosedError"])
    again = result(run(client, SAME_ANSWERS, {"Name": parameter_name()}))
    assert again["relayed"]["Parameter"]["Value"] == "relayed"


COUNTED = """
import boto3


def handler(events, context):
    boto3.client("sts").get_caller_identity()
    boto3.client("ssm").describe_parameters()
    boto3.Session().client("ssm").describe_parameters()
    return {}
"""


def test_relayed_calls_are_counted_against_the_script_s_execution(client, endpoint, over_http):
    execution = run(client, COUNTED)
    assert api_calls(endpoint, execution["AutomationExecutionId"]) == 3
    assert over_http() == 1


OTHER_ENDPOINT = """
import os

import boto3


def handler(events, context):
    port = os.environ["AWS_ENDPOINT_URL"].rsplit(":", 1)[1]
    sts = boto3.client("sts", endpoint_url=f"http://localhost:{port}")
    return {"account": sts.get_caller_identity()["Account"]}
"""


def test_a_client_with_another_endpoint_is_not_relayed(client, over_http):
    # localhost is the embedded AWS too, but not the endpoint the worker relays for.
    assert result(run(client, OTHER_ENDPOINT))["account"]
    assert over_http() == 1


THREADS = """
import threading

import boto3


def handler(events, context):
    ssm = boto3.client("ssm")
    names = events["Names"]
    for name in names:
        ssm.put_parameter(Name=name, Value=name, Type="String")
    together = threading.Barrier(len(names))
    seen = {name: [] for name in names}

    def ask(name):
        together.wait()
        for _ in range(20):
            seen[name].append(ssm.get_parameter(Name=name)["Parameter"]["Value"])

    threads = [threading.Thread(target=ask, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen
"""


def test_threads_of_a_script_calling_at_once_each_get_their_own_answers(client, over_http):
    names = [parameter_name() for _ in range(3)]
    seen = result(run(client, THREADS, {"Names": names}))
    assert seen == {name: [name] * 20 for name in names}
    assert over_http() == 0


KILLED = """
import os
import signal

import boto3


def handler(events, context):
    boto3.client("ssm").put_parameter(
        Name=events["Name"], Value=str(os.getpid()), Type="String"
    )
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_worker_killed_mid_script_fails_the_step_and_leaves_no_reader_behind(client, capfd):
    ssm = client("ssm")
    name = parameter_name()
    document = create_runbook(ssm, script_runbook(client, script_step(KILLED, {"Name": name})))
    execution = wait_done(ssm, start(ssm, document), wall_timeout=30)
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert "the script process exited (-9)" in steps_by_name(execution)["script"]["FailureMessage"]
    pid = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    assert not [t for t in threading.enumerate() if t.name == f"script-worker-{pid}"]
    assert "Traceback" not in capfd.readouterr().err
    assert result(run(client, COUNTED)) == {}  # the pool still runs scripts


FAULTED = """
import boto3
from botocore.exceptions import ClientError


def handler(events, context):
    ssm = boto3.client("ssm")
    try:
        ssm.describe_parameters()
    except ClientError as err:
        first = err.response["Error"]["Code"]
    else:
        first = None
    ssm.describe_parameters()
    return {"first": first}
"""


def test_a_fault_injected_on_an_api_reaches_a_relayed_call(client, control, over_http):
    control.throttle("ssm", "DescribeParameters", times=1)
    assert result(run(client, FAULTED)) == {"first": "ThrottlingException"}
    assert over_http() == 0
