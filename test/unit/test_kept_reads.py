"""Reads reused in virtual time (``StepContext.call``): per execution, across its steps,
while the fingerprint of what the answer depends on is unchanged; always counted."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from winupdate.local.automation import context as context_module
from winupdate.local.automation.context import StepContext


class Fleet:
    """What the stubbed reads depend on: one image state, and a log of real requests."""

    def __init__(self) -> None:
        self.state = "pending"
        self.requests: list[str] = []


@pytest.fixture
def fleet(monkeypatch):
    model = Fleet()

    def fingerprint(aws, service, api, region, params, access_key=None):
        return model.state if api.startswith("Describe") else None

    def request(self, service, api, params):
        model.requests.append(api)
        yield from ()
        return {"Images": [{"State": model.state}]}

    monkeypatch.setattr(context_module, "fingerprint", fingerprint)
    monkeypatch.setattr(StepContext, "_request", request)
    return model


def execution() -> SimpleNamespace:
    return SimpleNamespace(api_calls=0, kept_reads={}, region="us-east-1", access_key=None)


def step(ex: SimpleNamespace) -> StepContext:
    aws = SimpleNamespace(reuse_unchanged_polls=True, clock=None)
    service = SimpleNamespace(aws=aws, lock=threading.Lock())
    return StepContext(service, ex, record=None)


def read(ctx: StepContext, api: str = "DescribeImages") -> dict:
    gen = ctx.call("ec2", api, {"ImageIds": ["ami-1"]})
    try:
        while True:
            next(gen)
    except StopIteration as done:
        return done.value


def test_a_later_step_of_the_execution_reuses_an_unchanged_read_and_counts_it(fleet):
    ex = execution()
    waited = step(ex)
    assert read(waited) == {"Images": [{"State": "pending"}]}
    fleet.state = "available"
    assert read(waited)["Images"][0]["State"] == "available"
    checked = read(step(ex))  # the check after the wait: same read, nothing changed
    assert checked == {"Images": [{"State": "available"}]}
    assert fleet.requests == ["DescribeImages", "DescribeImages"]
    assert ex.api_calls == 1  # the stubbed request does not count; the reused read does


def test_a_changed_fingerprint_makes_the_read_again(fleet):
    ex = execution()
    read(step(ex))
    fleet.state = "failed"
    assert read(step(ex))["Images"][0]["State"] == "failed"
    assert fleet.requests == ["DescribeImages", "DescribeImages"]


def test_another_execution_does_not_share_the_kept_reads(fleet):
    read(step(execution()))
    read(step(execution()))
    assert fleet.requests == ["DescribeImages", "DescribeImages"]


def test_a_write_is_never_reused(fleet):
    ex = execution()
    read(step(ex), "CreateTags")
    read(step(ex), "CreateTags")
    assert fleet.requests == ["CreateTags", "CreateTags"]
