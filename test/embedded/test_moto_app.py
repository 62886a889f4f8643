"""moto answered without Flask (``local/moto_app.py``) answers exactly as moto's own Flask
app does: each request below goes to both, with the same request ids, and the two
answers (status, headers, body) must be the same bytes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from winupdate.local import in_process
from winupdate.local.automation.script_workers import aws_response, request_body
from winupdate.local.fleet.public_parameters import parameter_name
from winupdate.local.moto_patches.app import MotoApp
from winupdate.local.moto_patches.speedups import request_ids

REQUEST_ID_SEED = 1234


@pytest.fixture
def apps():
    """moto's own Flask app and ours."""
    return DomainDispatcherApplication(create_backend_app), MotoApp()


def both_answers(apps, method, url, headers, body, varying=("Date",)):
    """(Flask's answer, ours) to one request, each made with the same request ids; without
    the ``varying`` headers (the second answer's clock may have ticked), headers sorted."""
    answers = []
    for app in apps:
        request_ids.seed(REQUEST_ID_SEED)
        status, answer_headers, data = in_process.answer(app, method, url, headers, body)
        for name in varying:
            answer_headers.pop(name, None)
        answers.append((status, sorted(answer_headers.items()), data))
    return tuple(answers)


@pytest.fixture
def both_apps(session, endpoint, apps):
    """``make(service)``: a client whose every request is answered by moto's Flask app and
    by ours; ``answers`` holds each pair."""
    answers: list[tuple[str, tuple, tuple]] = []

    def send(request, **_):
        flask_answer, our_answer = both_answers(
            apps, request.method, request.url, request.headers, request_body(request)
        )
        answers.append((request.url, flask_answer, our_answer))
        status, headers, data = our_answer
        return aws_response(request.url, status, dict(headers), data)

    def make(service: str):
        client = session.client(service, endpoint_url=endpoint)
        client.meta.events.register("before-send", send)
        return client

    make.answers = answers
    return make


def test_answers_are_those_of_moto_s_flask_app_byte_for_byte(both_apps):
    ec2, ssm, iam, sns = (both_apps(s) for s in ("ec2", "ssm", "iam", "sns"))
    public = ssm.get_parameter(Name=parameter_name("Windows_Server-2022-English-Full-Base"))[
        "Parameter"
    ]["Value"]
    ec2.describe_images(ImageIds=[public])
    ec2.describe_instances()
    sns.list_topics()
    iam.list_roles()
    # moto's errors are werkzeug exceptions, answered by Flask's error handling.
    with pytest.raises(ClientError, match="InvalidAMIID"):
        ec2.describe_images(ImageIds=["ami-00000000000000000"])
    with pytest.raises(ClientError, match="ParameterNotFound"):
        ssm.get_parameter(Name="/no/such/parameter")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName="no-such-role")
    assert len(both_apps.answers) == 8
    for url, flask_answer, our_answer in both_apps.answers:
        assert our_answer == flask_answer, url


@pytest.mark.parametrize("origin", [None, "http://localhost:3000"])
def test_a_path_no_view_serves_is_answered_as_flask_answers_it(apps, origin):
    headers = _scope("iam")
    if origin:  # a browser's request: Flask-CORS answers with that origin
        headers["Origin"] = origin
    flask_answer, our_answer = both_answers(
        apps, "GET", "http://127.0.0.1/no/such/path", headers, b""
    )
    assert our_answer == flask_answer
    assert our_answer[0] == 404
    assert dict(our_answer[1])["Access-Control-Allow-Origin"] == (origin or "*")


def _scope(service: str) -> dict[str, str]:
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}"
        "/aws4_request, SignedHeaders=host, Signature=none"
    }


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PREFLIGHT = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("HEAD", "/app-bucket/key", _scope("s3"), b""),
        ("HEAD", "/app-bucket/missing", _scope("s3"), b""),
        ("GET", "/app-bucket/key", {**_scope("s3"), "Range": "bytes=0-3"}, b""),
        ("OPTIONS", "/app-bucket/key", {**_scope("s3"), **PREFLIGHT}, b""),
        ("OPTIONS", "/", {**_scope("ec2"), **PREFLIGHT}, b""),
        ("TRACE", "/", _scope("ec2"), b""),
        ("POST", "//", {**_scope("ec2"), **FORM}, b"Action=DescribeRegions&Version=2016-11-15"),
    ],
    ids=["head", "head-missing", "range", "preflight-s3", "preflight-ec2", "trace", "slashes"],
)
def test_raw_requests_are_answered_as_moto_s_flask_app_answers_them(
    apps, method, path, headers, body
):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    s3 = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    if "app-bucket" not in s3.buckets:
        s3.create_bucket("app-bucket", "us-east-1")
        s3.put_object("app-bucket", "key", b"hello world")
    # S3 draws its own request ids, which the seed does not reach.
    flask_answer, our_answer = both_answers(
        apps,
        method,
        f"http://127.0.0.1{path}",
        headers,
        body,
        varying=("Date", "x-amz-id-2", "x-amz-request-id"),
    )
    assert our_answer == flask_answer
