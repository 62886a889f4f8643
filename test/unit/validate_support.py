"""Helpers for the validator's unit tests: validate text, find the line of a marker."""

from __future__ import annotations

from winupdate.documents.findings import Finding
from winupdate.documents.loader import load_text
from winupdate.documents.validate import validate_sources

# A small runbook that passes every check; the tests break it one way at a time.
BASE = """\
schemaVersion: '0.3'
description: Stop one instance and report a failure.
parameters:
  InstanceId:
    type: String
    allowedPattern: '^i-[a-z0-9]+$'
    default: i-0123456789
  Mode:
    type: String
    default: stop
    allowedValues: [stop, hibernate]
  TopicArn:
    type: String
    default: '{{ssm:/ops/TopicArn}}'
mainSteps:
  - name: Describe
    action: aws:executeAwsApi
    onFailure: step:Report
    inputs:
      Service: ec2
      Api: DescribeInstances
      InstanceIds:
        - '{{ InstanceId }}'
    outputs:
      - Name: State
        Selector: $.Reservations[0].Instances[0].State.Name
        Type: String
    nextStep: Decide
  - name: Decide
    action: aws:branch
    inputs:
      Choices:
        - NextStep: Stop
          Variable: '{{ Describe.State }}'
          StringEquals: running
      Default: Done
  - name: Stop
    action: aws:changeInstanceState
    onFailure: step:Report
    inputs:
      InstanceIds:
        - '{{ InstanceId }}'
      DesiredState: stopped
    nextStep: Done
  - name: Done
    action: aws:executeAwsApi
    inputs:
      Service: sns
      Api: Publish
      TopicArn: '{{ TopicArn }}'
      Message: '{{ InstanceId }} was {{ Describe.State }}; mode {{ Mode }}'
    isEnd: true
  - name: Report
    action: aws:executeAwsApi
    inputs:
      Service: sns
      Api: Publish
      TopicArn: '{{ TopicArn }}'
      Message: 'Stopping {{ InstanceId }} failed ({{ automation:EXECUTION_ID }})'
    isEnd: true
"""


def validate_text(text: str, name: str = "doc", fmt: str = "YAML", others: dict | None = None):
    """Findings for ``text`` validated (with ``others``: name -> text) as one set."""
    sources = [load_text(text, f"{name}.yaml", name, fmt)]
    for other, content in (others or {}).items():
        sources.append(load_text(content, f"{other}.yaml", other))
    return [f for f in validate_sources(sources) if f.path == f"{name}.yaml"]


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line that contains ``marker``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(hits) >= occurrence, f"{marker!r} is not in the document"
    return hits[occurrence - 1]


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]
