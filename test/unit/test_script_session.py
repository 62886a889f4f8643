"""The default boto3 session of a script worker: warm clients, per-execution credentials.

A worker keeps the clients its scripts make; the calls of a kept client must still be
signed with the key of the execution whose script makes them (the embedded AWS counts
a script's calls against its execution by that key).
"""

from __future__ import annotations

import os

import pytest
from botocore.config import Config
from botocore.exceptions import NoCredentialsError

from winupdate.local.automation.script_workers import ScriptSession

ENDPOINT = "http://127.0.0.1:9"


class Sent(Exception):
    pass


def stop(request, **_):
    raise Sent(request.headers["Authorization"].decode())


def signed_key(client) -> str:
    """The access key the client signs its next call with (the call is never sent)."""
    with pytest.raises(Sent) as sent:
        client.describe_parameters()
    return str(sent.value).split("Credential=")[1].split("/")[0]


@pytest.fixture
def worker_session(monkeypatch) -> ScriptSession:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    session = ScriptSession("embedded")
    # Before any client is made: every client stops its calls before sending them.
    session.events.register("before-send", stop)
    return session


def test_a_kept_client_signs_with_the_key_of_the_execution_using_it(worker_session):
    first = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    ssm = first.client("ssm", endpoint_url=ENDPOINT)
    assert signed_key(ssm) == "ASIASCRIPTONE"

    second = worker_session.for_execution("ASIASCRIPTTWO", "us-east-1")
    assert second.client("ssm", endpoint_url=ENDPOINT) is ssm
    assert signed_key(ssm) == "ASIASCRIPTTWO"
    assert second.client("ssm", endpoint_url=ENDPOINT) is ssm  # calls keep it warm
    assert second.get_credentials().access_key == "ASIASCRIPTTWO"


def test_each_invocation_gets_its_own_default_session(worker_session):
    first = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    first.left_behind = True
    second = worker_session.for_execution("ASIASCRIPTTWO", "eu-west-1")
    assert second is not first
    assert not hasattr(second, "left_behind")
    assert second.region_name == "eu-west-1"


def test_clients_are_kept_per_region(worker_session):
    session = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    here = session.client("ssm", endpoint_url=ENDPOINT)
    there = session.client("ssm", region_name="eu-west-1", endpoint_url=ENDPOINT)
    assert here is not there
    assert there.meta.region_name == "eu-west-1"
    later = worker_session.for_execution("ASIASCRIPTTWO", "eu-west-1")
    assert later.client("ssm", endpoint_url=ENDPOINT) is there


def test_a_client_with_its_own_credentials_or_config_is_made_afresh(worker_session):
    session = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    own_key = session.client(
        "ssm", endpoint_url=ENDPOINT, aws_access_key_id="AKIAOWN", aws_secret_access_key="x"
    )
    assert own_key is not session.client(
        "ssm", endpoint_url=ENDPOINT, aws_access_key_id="AKIAOWN", aws_secret_access_key="x"
    )
    assert signed_key(own_key) == "AKIAOWN"
    config = Config(retries={"total_max_attempts": 1})
    assert session.client("ssm", endpoint_url=ENDPOINT, config=config) is not session.client(
        "ssm", endpoint_url=ENDPOINT, config=config
    )


def test_a_client_made_after_the_environment_changes_sees_the_change(worker_session, monkeypatch):
    session = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    before = session.client("ssm")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:10")
    after = session.client("ssm")
    assert after is not before
    assert after.meta.endpoint_url == "http://127.0.0.1:10"


def test_a_client_whose_handlers_a_script_changed_is_not_handed_to_the_next(worker_session):
    first = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    ssm = first.client("ssm", endpoint_url=ENDPOINT)
    seen = []
    ssm.meta.events.register("before-call", lambda **_: seen.append("called"))
    assert first.client("ssm", endpoint_url=ENDPOINT) is not ssm
    second = worker_session.for_execution("ASIASCRIPTTWO", "us-east-1")
    signed_key(second.client("ssm", endpoint_url=ENDPOINT))
    assert seen == []


def test_a_handler_registered_on_the_session_reaches_clients_made_after_it(worker_session):
    session = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    session.client("ssm", endpoint_url=ENDPOINT)  # kept from an earlier script
    seen = []
    session.events.register("before-call.ssm", lambda **_: seen.append("called"))
    ssm = session.client("ssm", endpoint_url=ENDPOINT)
    signed_key(ssm)
    assert seen == ["called"]


def test_an_invocation_without_a_key_signs_nothing_and_the_next_one_signs_again(
    worker_session, monkeypatch
):
    # A runbook without an assumeRole (automation-action-executeScript.md: a script that
    # calls AWS needs one): boto3 finds no credentials where it looks. The worker's
    # environment is as ScriptWorkers starts it: nothing to find.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    signed = worker_session.for_execution("ASIASCRIPTONE", "us-east-1")
    kept = signed.client("ssm", endpoint_url=ENDPOINT)
    anonymous = worker_session.for_execution(None, "us-east-1")
    assert anonymous.get_credentials() is None
    ssm = anonymous.client("ssm", endpoint_url=ENDPOINT)
    assert ssm is not kept
    with pytest.raises(NoCredentialsError):
        ssm.describe_parameters()
    again = worker_session.for_execution("ASIASCRIPTTWO", "us-east-1")
    assert again.client("ssm", endpoint_url=ENDPOINT) is kept
    assert signed_key(kept) == "ASIASCRIPTTWO"
