"""Fixtures shared by every suite: the embedded AWS on a free port, and clients for it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest

from automation_support import eventbridge_schedules, window_schedules
from winupdate.local.server import EmbeddedAws

# Modelled seconds per wall second in tests: an hour-long step timeout lasts ~6 s.
TEST_SPEED = float(os.environ.get("WINUPDATE_TEST_SPEED", "600"))
REGION = "us-east-1"


@pytest.fixture(scope="session")
def embedded_aws() -> Iterator[EmbeddedAws]:
    aws = EmbeddedAws(port=0, speed=TEST_SPEED)
    aws.start()
    # At 600 modelled seconds a wall second, a weekly window (the module's) comes due within
    # minutes of a session, on a day that depends on when the suite runs: recurring schedules
    # start nothing unless a test asks for them (test_window_schedules.py). A one-off at(...)
    # still fires: it is how an approved run arms the module's run window (fan_out window).
    window_schedules(aws.endpoint, Paused="recurring")
    # Likewise EventBridge Scheduler schedules (test_eventbridge_schedules.py).
    eventbridge_schedules(aws.endpoint, Paused=True)
    yield aws
    # A 500 that the provider's SDK or boto3 retried away still hid a bug of the emulator.
    failures = list(aws.app.internal_failures)
    aws.stop()
    assert not failures, f"the embedded AWS failed requests by bugs of its own: {failures}"


@pytest.fixture(scope="session")
def endpoint(embedded_aws: EmbeddedAws) -> str:
    return embedded_aws.endpoint


@pytest.fixture(scope="session")
def session(endpoint: str) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture(scope="session")
def client(session: boto3.session.Session, endpoint: str):
    """``client("ssm")``: a boto3 client pointed at the embedded AWS."""

    def make(service: str):
        return session.client(service, endpoint_url=endpoint)

    return make
