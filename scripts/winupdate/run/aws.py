"""The boto3 session of a command: region checked up front, clients with short retries."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

from .errors import AwsUnavailable, aws_errors

# A closed port or a dead endpoint should fail in seconds, not after botocore's default
# five attempts with back-off.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=60,
)


@cache
def _region_patterns() -> list[re.Pattern[str]]:
    """Every partition's region rule from botocore's endpoint data (aws, aws-cn, gov, ...)."""
    loader = botocore.session.get_session().get_component("data_loader")
    endpoints = loader.load_data("endpoints")
    return [re.compile(p["regionRegex"]) for p in endpoints["partitions"]]


def check_region(region: str) -> None:
    """Reject a region that no AWS partition has, before any call is sent to it.

    A request to a made-up region only fails later and less clearly (a DNS error on AWS,
    an odd answer from any other endpoint).
    """
    known = botocore.session.get_session().get_available_regions("ssm")
    if region in known:
        return
    if not any(p.match(region) for p in _region_patterns()):
        raise AwsUnavailable(
            f"unknown AWS region {region!r}: it matches no AWS partition "
            f"(e.g. {', '.join(sorted(known)[:4])}, ...); set AWS_DEFAULT_REGION or --region"
        )


class Aws:
    """Clients for one region; ``AWS_ENDPOINT_URL`` (read by boto3) picks the endpoint."""

    def __init__(
        self,
        region: str | None = None,
        endpoint_url: str | None = None,
        session: boto3.session.Session | None = None,
    ) -> None:
        """``endpoint_url``/``session``: for callers that hold their own (the benchmark's
        embedded AWS); commands leave both to the environment."""
        self.session = session or boto3.session.Session(region_name=region)
        self._endpoint_url = endpoint_url
        if not self.session.region_name:
            raise AwsUnavailable("no AWS region: set AWS_DEFAULT_REGION or pass --region")
        self.region: str = self.session.region_name
        check_region(self.region)
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            with aws_errors(f"creating the {service} client", self.region):
                self._clients[service] = self.session.client(
                    service, config=CLIENT_CONFIG, endpoint_url=self._endpoint_url
                )
        return self._clients[service]

    @property
    def endpoint(self) -> str:
        return str(self.client("ssm").meta.endpoint_url)

    def errors(self, doing: str):
        """``with aws.errors("starting the run"): ...`` — see :func:`aws_errors`."""
        return aws_errors(doing, self.region, self.endpoint)

    def caller_arn(self) -> str:
        with self.errors("asking STS who the caller is"):
            return str(self.client("sts").get_caller_identity()["Arn"])
