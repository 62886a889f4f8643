"""Check 7, this project's rules (warnings): the seed's flaws, caught wherever they recur.

- aws:approve notifies through an SNS topic whose name must start with
  "Automation" (automation-action-approve.md); a literal ARN can be checked now.
- Waiting on a child run's status for Success alone keeps polling past Failed until
  the step times out (the seed's hour-long hang): list the failure statuses too and
  assert afterwards.
- Every way a run can fail sends a message: a step whose failure ends the run
  (onFailure: Abort), or jumps to a path that ends without publishing, is reported
  unless a message was already sent on every path to it.
"""

from __future__ import annotations

from typing import Any

from ..local.automation.variables import PLACEHOLDER
from .context import Context
from .findings import Finding
from .loader import Source
from .model import BRANCH, END, Graph, StepRef, failure_target, must_hold, parameters

SUCCESS_STATUSES = {"Success", "CompletedWithSuccess"}
SENT = "<message sent>"


def check(doc: Source, ctx: Context) -> list[Finding]:
    graph = Graph.of(doc)
    found: list[Finding] = []
    for step in graph.steps:
        if step.action == "aws:approve":
            found += _approval_topic(doc, step)
        if step.action == "aws:waitForAwsResourceProperty":
            found += _success_only_wait(doc, step)
    found += _silent_failures(doc, graph)
    return found


def _approval_topic(doc: Source, step: StepRef) -> list[Finding]:
    value = step.inputs.get("NotificationArn")
    where = (*step.where, "inputs", "NotificationArn")
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole:  # a parameter with a literal default is as good as a literal
            param = parameters(doc).get(whole.group(1))
            value = param.get("default") if isinstance(param, dict) else None
    if not isinstance(value, str) or not value or PLACEHOLDER.search(value):
        return []
    topic = value.rsplit(":", 1)[-1]
    if topic.startswith("Automation"):
        return []
    return [
        doc.value_finding(
            "WU701",
            where,
            f"step {step.name}: topic {topic!r} does not start with Automation, "
            "so aws:approve cannot send the approval request",
            "name the SNS topic Automation<something>",
        )
    ]


def _success_only_wait(doc: Source, step: StepRef) -> list[Finding]:
    inputs = step.inputs
    if str(inputs.get("Api")) != "GetAutomationExecution":
        return []
    if not str(inputs.get("PropertySelector", "")).endswith("AutomationExecutionStatus"):
        return []
    desired = inputs.get("DesiredValues")
    desired = desired if isinstance(desired, list) else [desired]
    if not desired or not {str(d) for d in desired} <= SUCCESS_STATUSES:
        return []
    timeout = step.raw.get("timeoutSeconds", 3600)
    return [
        doc.value_finding(
            "WU702",
            (*step.where, "inputs", "DesiredValues"),
            f"step {step.name}: waits for the child run's Success only, so a failed child "
            f"is noticed only when the wait times out ({timeout} s)",
            "also list Failed, Cancelled, TimedOut and assert Success afterwards, "
            "or use aws:executeAutomation",
        )
    ]


def sends_message(step: StepRef) -> bool:
    """A step whose success means someone was told: an SNS Publish, a script that
    publishes, or a webhook."""
    inputs = step.inputs
    if step.action in ("aws:executeAwsApi",) and str(inputs.get("Service", "")).lower() == "sns":
        return str(inputs.get("Api")) in ("Publish", "PublishBatch")
    if step.action == "aws:executeScript":
        return ".publish(" in str(inputs.get("Script", ""))
    return step.action == "aws:invokeWebhook"


def _always_reaches_message(graph: Graph) -> dict[str, bool]:
    """Steps from which every successful path publishes before the run ends."""
    result = {name: True for name in graph.by_name}
    changed = True
    while changed:
        changed = False
        for step in graph.steps:
            if sends_message(step) or not result[step.name]:
                continue
            nexts = graph.success[step.name]
            ok = bool(nexts) and all(t in graph.by_name and result[t] for t in nexts)
            if not ok:
                result[step.name] = False
                changed = True
    return result


def _silent_failures(doc: Source, graph: Graph) -> list[Finding]:
    # Only runbooks that tell people things (a message step, an approval request) are
    # held to telling them about failures too.
    if not any(sends_message(s) or s.action == "aws:approve" for s in graph.steps):
        return []
    holding = must_hold(graph, lambda s: {SENT} if sends_message(s) else set())
    leads_to_message = _always_reaches_message(graph)
    found = []
    for step in graph.steps:
        if step.name not in holding or sends_message(step) or SENT in holding[step.name]:
            continue
        if step.action == BRANCH and "Default" in step.inputs:
            continue  # a branch with a Default does not fail on its own
        on_failure: Any = step.raw.get("onFailure", "Abort")
        if on_failure == "Continue":
            continue
        target = failure_target(on_failure)
        if target is None:
            message = (
                f"step {step.name}: if it fails, the run ends (onFailure: Abort) "
                "and no message is sent"
            )
        elif target in graph.by_name and not leads_to_message[target] and target != END:
            message = (
                f"step {step.name}: its failure path from {target} "
                "can end without sending a message"
            )
        else:
            continue
        where = (*step.where, "onFailure") if "onFailure" in step.raw else (*step.where, "name")
        found.append(
            doc.value_finding(
                "WU703",
                where,
                message,
                "send failures to a step that publishes what failed (sns Publish)",
            )
        )
    return found
