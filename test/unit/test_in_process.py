"""The embedded AWS's own calls go straight into its WSGI app (``local/in_process.py``):
the request reaches the app as werkzeug's server would hand it over, and an app that
raises answers a 500, as werkzeug's server does, instead of crashing the caller."""

from __future__ import annotations

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from winupdate.local import in_process


def _client(app):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    client = session.client("s3", endpoint_url="http://127.0.0.1:9")
    client.meta.events.register("before-send", in_process.sender(app))
    return client


def test_a_request_reaches_the_app_as_werkzeug_would_hand_it_over():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b"<ListBucketResult></ListBucketResult>"]

    _client(app).list_objects_v2(Bucket="my-bucket", Prefix="a b")
    assert seen["PATH_INFO"] == "/my-bucket"
    assert "prefix=a%20b" in seen["QUERY_STRING"]
    assert seen["RAW_URI"] == seen["REQUEST_URI"] == "/my-bucket?" + seen["QUERY_STRING"]
    assert seen["HTTP_AUTHORIZATION"].startswith("AWS4-HMAC-SHA256 Credential=testing/")

    _client(app).head_object(Bucket="my-bucket", Key="a key/with%percent")
    assert seen["PATH_INFO"] == "/my-bucket/a key/with%percent"


def test_an_app_that_raises_answers_a_500_the_caller_sees_as_an_aws_error(capsys):
    def app(environ, start_response):
        raise NotImplementedError("The ListBuckets action has not been implemented")

    with pytest.raises(ClientError) as caught:
        _client(app).list_buckets()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "NotImplementedError" in capsys.readouterr().err


def test_response_headers_are_read_whatever_their_case_as_over_http():
    # botocore looks headers up in lower case; urllib3 gives it a case-insensitive dict.
    def app(environ, start_response):
        start_response(
            "200 OK", [("Content-Type", "application/xml"), ("X-Amzn-RequestId", "req-123")]
        )
        return [b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"]

    answer = _client(app).list_buckets()
    assert answer["ResponseMetadata"]["RequestId"] == "req-123"
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == "req-123"


@pytest.mark.parametrize(
    ("service", "region", "call", "scope"),
    [
        ("ec2", "eu-west-1", "describe_regions", "eu-west-1/ec2"),
        ("iam", "eu-west-1", "list_roles", "eu-west-1/iam"),  # global, but a custom endpoint
        ("sts", "ap-southeast-2", "get_caller_identity", "ap-southeast-2/sts"),
        ("ssm", "eu-central-1", "describe_parameters", "eu-central-1/ssm"),
        ("sns", "us-west-2", "list_topics", "us-west-2/sns"),
    ],
)
def test_an_unsigned_client_carries_the_credential_scope_a_signature_would(
    service, region, call, scope
):
    seen = []

    def app(environ, start_response):
        seen.append(environ["HTTP_AUTHORIZATION"])
        start_response("500 Error", [])
        return [b""]

    session = boto3.session.Session(
        aws_access_key_id="AKIDSCOPE", aws_secret_access_key="x", region_name=region
    )
    unsigned = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
    for config in (Config(retries={"total_max_attempts": 1}), unsigned):
        client = session.client(service, endpoint_url="http://127.0.0.1:9", config=config)
        if config is unsigned:
            client.meta.events.register("before-sign", in_process.credential_scope("AKIDSCOPE"))
        client.meta.events.register("before-send", in_process.sender(app))
        with pytest.raises(ClientError):  # the app answers 500: only the request matters
            getattr(client, call)()
    signed_scope, unsigned_scope = (header.split(",")[0] for header in seen)
    assert unsigned_scope == signed_scope
    assert f"/{scope}/aws4_request" in unsigned_scope
    assert seen[1].endswith("Signature=none") and not seen[0].endswith("Signature=none")
