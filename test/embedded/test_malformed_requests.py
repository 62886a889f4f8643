"""Requests that are not well-formed get AWS's answers, in the protocol's shape, never a 500
with Python's text or an answer to some other request.

botocore is the reference for a well-formed request (its serializers) and for reading the
answer (its parsers: every error here is read by a real client, or by botocore's parser for
the protocol). Where AWS documents nothing, the test says what was assumed.
"""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import boto3
import botocore.parsers
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from wire_support import json_headers, raw, scope

from automation_support import create_runbook, runbook
from winupdate.local import dispatch
from winupdate.local.control_client import ControlClient
from winupdate.local.request_shapes import MAX_BODY_BYTES

# The request is replaced on the way out: botocore need not find the (unsent) params valid.
ONE_ATTEMPT = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False
)


def parsed_error(protocol: str, answer) -> dict[str, str]:
    """The error as botocore's parser for ``protocol`` reads the answer."""
    status, headers, body = answer
    parser = botocore.parsers.create_parser(protocol)
    return parser.parse({"status_code": status, "headers": headers, "body": body}, None)["Error"]


def client_sending(endpoint: str, service: str, body: bytes):
    """A real client whose request body is replaced by ``body`` on the way out: botocore
    builds and signs the request, the server gets ``body``, botocore reads the answer."""
    made = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client(service, endpoint_url=endpoint, config=ONE_ATTEMPT)

    def replace(request, **_):
        request.body = body
        request.headers["Content-Length"] = str(len(body))

    made.meta.events.register("before-send", replace)
    return made


def error_for(endpoint: str, body: bytes, call: str = "describe_automation_executions"):
    with pytest.raises(ClientError) as caught:
        getattr(client_sending(endpoint, "ssm", body), call)()
    return caught.value.response


# -- the body itself -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"[1, 2]", "Start of list found where not expected"),
        (b'"DescribeAutomationExecutions"', "STRING_VALUE found where not expected"),
        (b"42", "NUMBER_VALUE found where not expected"),
        (b"null", "null found where not expected"),
    ],
    ids=["list", "string", "number", "null"],
)
def test_a_json_body_that_is_not_an_object_is_a_serialization_exception(endpoint, body, found):
    # AWS's frontend words these as "Start of list found where not expected".
    response = error_for(endpoint, body)
    assert response["Error"]["Code"] == "SerializationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert found in response["Error"]["Message"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"not json", "not JSON"),
        (b'{"MaxResults": 5', "not JSON"),
        (b'{"MaxResults": NaN}', "NaN is not a JSON value"),
        (b'{"Filters": "\xff\xfe"}', "not UTF-8"),
        (b"\xef\xbb\xbf{}", "not JSON"),  # a UTF-8 byte order mark: JSON has none
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["text", "truncated", "nan", "latin-1", "bom", "deep"],
)
def test_a_body_that_is_not_utf8_json_is_a_serialization_exception(endpoint, body, named):
    # Before today such a body was read as {} and answered as if it were one.
    response = error_for(endpoint, body)
    assert response["Error"]["Code"] == "SerializationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert named in response["Error"]["Message"]


def test_an_empty_body_is_an_empty_request(endpoint):
    # Assumed: AWS reads no body as {} (botocore always sends "{}" for no params).
    answer = raw(endpoint, b"", json_headers("DescribeAutomationExecutions"))
    assert answer[0] == 200
    assert "AutomationExecutionMetadataList" in json.loads(answer[2])


# -- members of the wrong type, required members missing -------------------------------


@pytest.mark.parametrize(
    ("call", "body", "where", "what"),
    [
        (
            "start_automation_execution",
            {"DocumentName": "x", "Parameters": "InstanceId=i-1"},
            "parameters",
            "a map",
        ),
        (
            "start_automation_execution",
            {"DocumentName": "x", "Parameters": {"InstanceId": "i-1"}},
            "parameters.InstanceId",
            "a list",
        ),
        ("describe_automation_executions", {"Filters": [1]}, "filters.1.member", "structure"),
        ("describe_automation_executions", {"MaxResults": "abc"}, "maxResults", "an Integer"),
        ("describe_automation_executions", {"MaxResults": True}, "maxResults", "an Integer"),
        # Assumed: AWS's frontend would truncate 1.5; botocore never sends one: refused.
        ("describe_automation_executions", {"MaxResults": 1.5}, "maxResults", "an Integer"),
        ("describe_automation_executions", {"MaxResults": 2**31}, "maxResults", "an Integer"),
        (
            "describe_automation_executions",
            {"Filters": [{"Key": 7}]},
            "filters.1.member.key",
            "a String",
        ),
        (
            "get_automation_execution",
            {"AutomationExecutionId": ["x"]},
            "automationExecutionId",
            "a String",
        ),
        (
            "send_automation_signal",
            {"AutomationExecutionId": "x", "SignalType": "Approve", "Payload": {"Comment": "ok"}},
            "payload.Comment",
            "a list",
        ),
        (
            "start_automation_execution",
            {"DocumentName": "x", "Tags": {"Key": "a", "Value": "b"}},
            "tags",
            "a list",
        ),
    ],
    ids=[
        "parameters-string",
        "parameter-value-string",
        "filters-number",
        "max-results-string",
        "max-results-bool",
        "max-results-float",
        "max-results-over-int32",
        "filter-key-number",
        "execution-id-list",
        "payload-value-string",
        "tags-object",
    ],
)
def test_a_member_of_the_wrong_type_is_a_serialization_exception_naming_it(
    endpoint, call, body, where, what
):
    # Before today these were 500s carrying Python's AttributeError or ValueError text.
    response = error_for(endpoint, json.dumps(body).encode(), call)
    error = response["Error"]
    assert (error["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "SerializationException",
        400,
    )
    assert f"at '{where}'" in error["Message"]
    assert what in error["Message"]
    assert "Error:" not in error["Message"]  # no Python exception text


def test_missing_required_members_are_one_validation_exception_listing_each(endpoint):
    # AWS's wording: "2 validation errors detected: Value null at 'x' failed to satisfy
    # constraint: Member must not be null; ..." (lowerCamel names, list items as .n.member).
    body = {"Tags": [{"Key": "a"}], "DocumentName": None}
    response = error_for(endpoint, json.dumps(body).encode(), "start_automation_execution")
    error = response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("2 validation errors detected: ")
    assert "Value null at 'documentName' failed to satisfy constraint" in error["Message"]
    assert "Value null at 'tags.1.member.value' failed to satisfy constraint" in error["Message"]


def test_members_the_model_does_not_have_are_ignored_and_null_is_absent(endpoint):
    # Assumed: AWS's JSON services ignore members newer than the caller's model and read
    # null as an absent member.
    body = json.dumps({"NoSuchMember": {"x": [1]}, "Filters": None, "MaxResults": None})
    answer = raw(endpoint, body.encode(), json_headers("DescribeAutomationExecutions"))
    assert answer[0] == 200, answer


def test_a_moto_operation_gets_the_same_checks(endpoint):
    # CreateDocument is moto's (with our checks before it): a list for Name was moto's HTML 500.
    body = json.dumps({"Name": ["a"], "Content": "{}", "DocumentType": "Automation"})
    answer = raw(endpoint, body.encode(), json_headers("CreateDocument"))
    error = parsed_error("json", answer)
    assert (answer[0], error["Code"]) == (400, "SerializationException")
    assert "at 'name'" in error["Message"]


# -- operations that do not exist, requests that name none -------------------------------


@pytest.mark.parametrize(
    "target",
    ["AmazonSSM.NoSuchOperation", "AmazonEC2.DescribeAutomationExecutions", "AmazonSSM"],
    ids=["unknown-operation", "wrong-prefix", "no-operation"],
)
def test_an_unknown_x_amz_target_is_unknown_operation_exception(endpoint, target):
    answer = raw(endpoint, b"{}", {**json_headers(""), "X-Amz-Target": target})
    error = parsed_error("json", answer)
    assert (answer[0], error["Code"]) == (400, "UnknownOperationException")
    assert target in error["Message"]


def test_a_json_service_request_without_x_amz_target_is_unknown_operation_exception(endpoint):
    # Was moto's empty 404 page.
    answer = raw(endpoint, b"garbage", {"Authorization": scope("ssm")})
    error = parsed_error("json", answer)
    assert (answer[0], error["Code"]) == (400, "UnknownOperationException")
    assert "X-Amz-Target" in error["Message"]


def test_an_unsigned_post_that_names_nothing_is_refused_not_answered_as_s3(endpoint):
    # Was ListAllMyBucketsResult: moto takes a request it cannot place for S3. AWS refuses
    # an unsigned request: MissingAuthenticationToken, 403.
    answer = raw(endpoint, b"garbage", {"Content-Type": "application/octet-stream"})
    assert b"ListAllMyBuckets" not in answer[2]
    error = parsed_error("query", answer)
    assert (answer[0], error["Code"]) == (403, "MissingAuthenticationToken")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"Action=DescribeRegions&Version=2016-11-15", {}),
        (b"{}", {"X-Amz-Target": "NoSuchService_20240101.DoThings"}),
    ],
    ids=["query-action", "unknown-target"],
)
def test_an_unsigned_request_whose_service_cannot_be_told_is_missing_authentication_token(
    endpoint, body, headers
):
    # Without a credential scope an Action or an unknown X-Amz-Target names no service
    # (the embedded AWS serves them all at one endpoint). An SSM target names its own.
    answer = raw(endpoint, body, {"Content-Type": "application/x-www-form-urlencoded", **headers})
    assert answer[0] == 403, answer
    assert b"MissingAuthenticationToken" in answer[2]


def test_an_operation_aws_takes_unsigned_still_reaches_moto(endpoint):
    # sts AssumeRoleWithWebIdentity is unsigned in AWS; moto routes it by its Action.
    body = (
        b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=s"
        b"&RoleArn=arn:aws:iam::123456789012:role/none&WebIdentityToken=token"
    )
    answer = raw(endpoint, body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert b"MissingAuthenticationToken" not in answer[2]
    assert b"AssumeRoleWithWebIdentity" in answer[2]


@pytest.mark.parametrize(
    ("service", "body", "protocol", "code"),
    [
        ("ec2", b"Action=DescribeNothing&Version=2016-11-15", "ec2", "InvalidAction"),
        ("iam", b"Version=2010-05-08&UserName=x", "query", "MissingAction"),
    ],
    ids=["ec2-unknown-action", "iam-no-action"],
)
def test_a_query_request_must_name_an_action_its_service_has(
    endpoint, service, body, protocol, code
):
    # AWS's common errors: InvalidAction, MissingAction (400).
    headers = {
        "Authorization": scope(service),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = raw(endpoint, body, headers)
    error = parsed_error(protocol, answer)
    assert (answer[0], error["Code"]) == (400, code)


def test_an_operation_moto_lacks_is_not_implemented_in_the_protocols_shape(endpoint, embedded_aws):
    # Was werkzeug's HTML 500. NotImplemented/501: clients do not retry it (they retry 500,
    # 502, 503, 504), and the message says the emulator, not AWS, lacks it.
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    iam = session.client("iam", endpoint_url=endpoint)  # default retries: none must happen
    ssm = session.client("ssm", endpoint_url=endpoint)
    for call in (
        lambda: iam.put_user_permissions_boundary(
            UserName="nobody", PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"
        ),
        lambda: ssm.create_activation(IamRole="SSMServiceRole"),
        # The engine's in-process client is answered the same way.
        lambda: embedded_aws.client("ssm", "us-east-1").create_activation(IamRole="r"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        response = caught.value.response
        assert response["Error"]["Code"] == "NotImplemented"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert response["ResponseMetadata"].get("RetryAttempts", 0) == 0
        assert "is not supported by the embedded AWS" in response["Error"]["Message"]


def test_a_bug_of_the_emulator_is_a_500_without_python_text_and_is_counted(
    embedded_aws, endpoint, monkeypatch
):
    def broken(call):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setitem(dispatch._OPERATIONS, ("ssm", "DescribeAutomationExecutions"), broken)
    before = len(ControlClient(endpoint).internal_failures())
    answer = raw(endpoint, b"{}", json_headers("DescribeAutomationExecutions"))
    error = parsed_error("json", answer)
    assert (answer[0], error["Code"]) == (500, "InternalServerError")  # in SSM's model
    assert "internal detail" not in error["Message"]
    assert "RuntimeError" not in error["Message"]
    # Counted, so that a suite whose SDK retried the 500 away still sees it.
    recorded = ControlClient(endpoint).internal_failures()[before:]
    assert recorded == [
        {
            "service": "ssm",
            "operation": "DescribeAutomationExecutions",
            "error": "RuntimeError: internal detail that must not leak",
        }
    ]
    embedded_aws.app.internal_failures.remove(recorded[0])  # provoked: not a bug to report


# -- the body's length ---------------------------------------------------------------------


def _send_head(endpoint, headers: dict[str, str], body: bytes = b"") -> socket.socket:
    parts = urlsplit(endpoint)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    sock.sendall(head.encode() + b"\r\n" + body)
    return sock


def _read_answer(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_an_oversized_body_is_refused_before_it_is_read(endpoint):
    # Assumed (AWS's limits vary and are not all documented): 413, as HTTP says, with
    # the limit named; the body is never waited for.
    length = MAX_BODY_BYTES + 1
    headers = {**json_headers("DescribeAutomationExecutions"), "Content-Length": str(length)}
    started = time.monotonic()
    with _send_head(endpoint, headers) as sock:
        status, body = _read_answer(sock)
    assert time.monotonic() - started < 10
    error = json.loads(body)
    assert (status, error["__type"]) == (413, "RequestEntityTooLarge")
    assert str(MAX_BODY_BYTES) in error["message"]


def test_a_content_length_longer_than_the_body_times_out(endpoint, embedded_aws):
    # Before today the server thread waited for the missing bytes for ever.
    embedded_aws.request_timeout = 0.5
    try:
        headers = {**json_headers("DescribeAutomationExecutions"), "Content-Length": "100"}
        started = time.monotonic()
        with _send_head(endpoint, headers, b"{}") as sock:
            # Meanwhile the server answers others.
            assert raw(endpoint, b"{}", json_headers("DescribeAutomationExecutions"))[0] == 200
            status, body = _read_answer(sock)
        waited = time.monotonic() - started
    finally:
        embedded_aws.request_timeout = 30.0
    assert 0.4 < waited < 10
    error = json.loads(body)
    assert (status, error["__type"]) == (408, "RequestTimeout")
    assert "Content-Length 100" in error["message"]


@pytest.mark.parametrize("length", ["-1", "abc", "1_0"])
def test_a_content_length_that_is_not_a_number_of_bytes_is_a_bad_request(endpoint, length):
    headers = {**json_headers("DescribeAutomationExecutions"), "Content-Length": length}
    with _send_head(endpoint, headers, b"{}") as sock:
        status, body = _read_answer(sock)
    assert (status, json.loads(body)["__type"]) == (400, "BadRequest")


# -- the control API -------------------------------------------------------------------------


def _control(endpoint, path: str, body: bytes, method: str = "POST") -> tuple[int, dict]:
    status, _headers, data = raw(
        endpoint,
        body,
        {"Content-Type": "application/json"},
        method=method,
        path=f"/_winupdate/{path}",
    )
    return status, json.loads(data)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MaxConcurrentExecutions": -1}, "MaxConcurrentExecutions"),  # runs Pending for good
        ({"MaxConcurrentExecutions": 0}, "MaxConcurrentExecutions"),
        ({"MaxConcurrentExecutions": "many"}, "MaxConcurrentExecutions"),
        ({"MaxConcurrentExecutions": True}, "MaxConcurrentExecutions"),
        ({"MaxConcurrentExecutions": 2.5}, "MaxConcurrentExecutions"),
        ({"QueueLimit": -1}, "QueueLimit"),
        ({"AutoApprove": {"AfterSeconds": 5}}, "Principal"),
        (
            {"AutoApprove": {"Principal": "arn:aws:iam::1:user/a", "AfterSeconds": -1}},
            "AfterSeconds",
        ),
        ({"AutoApprove": "yes"}, "AutoApprove"),
        ({"MaxConcurrency": 5}, "unknown settings MaxConcurrency"),
        # One bad value refuses the whole request: the good one is not applied either.
        ({"QueueLimit": 7, "MaxConcurrentExecutions": -1}, "MaxConcurrentExecutions"),
    ],
)
def test_automation_settings_refuse_what_would_stall_runs_and_change_nothing(
    endpoint, settings, named
):
    before = _control(endpoint, "automation/settings", b"{}")[1]
    status, answer = _control(endpoint, "automation/settings", json.dumps(settings).encode())
    assert status == 400
    assert named in answer["error"]
    assert _control(endpoint, "automation/settings", b"{}")[1] == before


def test_automation_settings_take_whole_numbers_and_a_simulated_approver(endpoint):
    before = _control(endpoint, "automation/settings", b"{}")[1]
    settings = {
        "MaxConcurrentExecutions": 3,
        "QueueLimit": 0,
        "AutoApprove": {"Principal": "arn:aws:iam::123456789012:user/approver"},
    }
    try:
        status, answer = _control(endpoint, "automation/settings", json.dumps(settings).encode())
        assert status == 200
        assert (answer["MaxConcurrentExecutions"], answer["QueueLimit"]) == (3, 0)
        assert answer["AutoApprove"] == {
            "principal": "arn:aws:iam::123456789012:user/approver",
            "after": 0.0,
        }
    finally:
        restore = {
            "MaxConcurrentExecutions": before["MaxConcurrentExecutions"],
            "QueueLimit": before["QueueLimit"],
            "AutoApprove": None,
        }
        assert _control(endpoint, "automation/settings", json.dumps(restore).encode())[0] == 200


@pytest.mark.parametrize(
    "body", [b"[1]", b'"x"', b"not json", b"\xff{}"], ids=["list", "string", "text", "bytes"]
)
def test_a_control_body_that_is_not_a_json_object_is_a_bad_request(endpoint, body):
    # Was werkzeug's HTML 500 (a list) or Python's JSONDecodeError text.
    status, answer = _control(endpoint, "automation/settings", body)
    assert status == 400
    assert "/_winupdate/automation/settings" in answer["error"]


def test_the_server_keeps_serving_and_keeps_its_state(client, endpoint):
    # After every malformed request above: documents and runs are still answered.
    ssm = client("ssm")
    name = create_runbook(
        ssm, runbook({"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}})
    )
    assert ssm.describe_document(Name=name)["Document"]["Name"] == name
    assert _control(endpoint, "health", b"", "GET")[1]["status"] == "ok"
