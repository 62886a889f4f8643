"""Policy evaluation: explicit deny, allow, implicit deny; Action, Resource and Principal
matching; policy variables.

IAM User Guide: "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html),
"The difference between explicit and implicit denies"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html),
"IAM JSON policy elements: Action / NotAction / Resource / NotResource / Principal" and
"Policy variables" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
"""

from __future__ import annotations

import json

from winupdate.local.iam.evaluate import Decision, Request, evaluate
from winupdate.local.iam.policy import parse_policy

ACCOUNT = "123456789012"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"


def compiled(*statements: dict, kind: str = "identity", version: str | None = "2012-10-17"):
    doc: dict = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return parse_policy(json.dumps(doc), kind)


def allow(action="ec2:StartInstances", resource="*", **more) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action="ec2:StartInstances", resource="*", **more) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def decide(policies, action="ec2:StartInstances", resource=INSTANCE, context=None, **kw):
    return evaluate(policies, Request(action, resource, context or {}, **kw))


def test_no_applicable_statement_is_an_implicit_deny():
    assert decide([]) is Decision.IMPLICIT_DENY
    assert decide([compiled(allow("ec2:StopInstances"))]) is Decision.IMPLICIT_DENY


def test_an_allow_allows_and_an_explicit_deny_in_any_policy_wins_over_it():
    allowing = compiled(allow())
    assert decide([allowing]) is Decision.ALLOW
    assert decide([allowing, compiled(deny())]) is Decision.EXPLICIT_DENY
    assert decide([compiled(deny()), allowing]) is Decision.EXPLICIT_DENY


def test_a_deny_that_does_not_apply_leaves_the_allow():
    assert decide([compiled(allow(), deny("ec2:StopInstances"))]) is Decision.ALLOW


def test_actions_match_case_insensitively_with_star_and_question_mark():
    assert decide([compiled(allow("EC2:startinstances"))]) is Decision.ALLOW
    assert decide([compiled(allow("ec2:Start*"))]) is Decision.ALLOW
    assert decide([compiled(allow("ec2:St?rtInstances"))]) is Decision.ALLOW
    assert decide([compiled(allow("ec2:St?Instances"))]) is Decision.IMPLICIT_DENY
    assert decide([compiled(allow("*"))]) is Decision.ALLOW
    assert decide([compiled(allow("ec2:*"))], action="ssm:SendCommand") is Decision.IMPLICIT_DENY


def test_not_action_applies_to_every_other_action():
    policies = [compiled({"Effect": "Deny", "NotAction": "ec2:Describe*", "Resource": "*"})]
    assert decide(policies) is Decision.EXPLICIT_DENY
    assert decide(policies, action="ec2:DescribeImages") is Decision.IMPLICIT_DENY


def test_resources_match_case_sensitively_with_wildcards():
    pattern = compiled(allow(resource=f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-*"))
    assert decide([pattern]) is Decision.ALLOW
    assert decide([pattern], resource=INSTANCE.upper()) is Decision.IMPLICIT_DENY
    single = compiled(allow(resource=f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0ab?"))
    assert decide([single]) is Decision.ALLOW
    assert decide([single], resource=INSTANCE + "d") is Decision.IMPLICIT_DENY


def test_a_star_ending_an_arn_segment_may_match_past_its_colons_one_inside_may_not():
    # "IAM JSON policy elements: Resource": a * that is the last character of a segment can
    # expand past the colon boundaries; we keep ? and an inner * inside their segment.
    assert decide([compiled(allow(resource="arn:aws:ec2:*"))]) is Decision.ALLOW
    inner = compiled(allow(resource="arn:aws:ec2:us-*-1:instance/*"))
    assert decide([inner]) is Decision.IMPLICIT_DENY  # us-east-1:123456789012 has a colon


def test_not_resource_applies_to_every_other_resource():
    policies = [compiled({"Effect": "Allow", "Action": "ec2:*", "NotResource": INSTANCE})]
    assert decide(policies) is Decision.IMPLICIT_DENY
    assert decide(policies, resource=INSTANCE + "x") is Decision.ALLOW


def test_a_request_for_no_particular_resource_is_matched_by_resource_star_only():
    assert decide([compiled(allow(resource=INSTANCE))], resource="*") is Decision.IMPLICIT_DENY
    assert decide([compiled(allow())], resource="*") is Decision.ALLOW


def trust(principal, **more) -> dict:
    return {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal, **more}


def assume(policy, principal):
    return decide([policy], action="sts:AssumeRole", resource="*", principal=principal)


def test_a_service_principal_matches_that_service_only():
    policy = compiled(trust({"Service": "ssm.amazonaws.com"}), kind="trust")
    assert assume(policy, {"Service": ["ssm.amazonaws.com"]}) is Decision.ALLOW
    assert assume(policy, {"Service": ["ec2.amazonaws.com"]}) is Decision.IMPLICIT_DENY
    assert assume(policy, None) is Decision.IMPLICIT_DENY


def test_star_and_aws_star_match_every_principal():
    # "IAM JSON policy elements: Principal": "*" and {"AWS": "*"} are equivalent.
    for principal in ("*", {"AWS": "*"}):
        policy = compiled(trust(principal), kind="trust")
        assert assume(policy, {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/alice"]}) is Decision.ALLOW


def test_an_account_principal_matches_every_principal_of_that_account():
    alice = {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/alice"]}
    stranger = {"AWS": ["arn:aws:iam::999999999999:user/alice"]}
    for principal in (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"):
        policy = compiled(trust({"AWS": principal}), kind="trust")
        assert assume(policy, alice) is Decision.ALLOW
        assert assume(policy, stranger) is Decision.IMPLICIT_DENY


def test_a_user_or_role_principal_matches_that_arn_only():
    policy = compiled(trust({"AWS": [f"arn:aws:iam::{ACCOUNT}:role/Ops"]}), kind="trust")
    assert assume(policy, {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/Ops"]}) is Decision.ALLOW
    assert assume(policy, {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/Dev"]}) is Decision.IMPLICIT_DENY


def test_not_principal_applies_to_every_other_principal():
    statement = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    statement["NotPrincipal"] = {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"}
    policy = compiled(statement, kind="resource")
    admin = {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/admin"]}
    other = {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/bob"]}
    request = {"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
    assert decide([policy], principal=other, **request) is Decision.EXPLICIT_DENY
    assert decide([policy], principal=admin, **request) is Decision.IMPLICIT_DENY


HOME = "arn:aws:s3:::bucket/home/${aws:username}/*"


def test_a_resource_variable_is_replaced_by_the_requests_value():
    policy = compiled(allow("s3:GetObject", HOME))
    alice = {"aws:username": "alice"}
    key = "arn:aws:s3:::bucket/home/alice/notes.txt"
    assert decide([policy], "s3:GetObject", key, alice) is Decision.ALLOW
    bob = "arn:aws:s3:::bucket/home/bob/notes.txt"
    assert decide([policy], "s3:GetObject", bob, alice) is Decision.IMPLICIT_DENY


def test_a_variable_whose_key_is_absent_matches_nothing():
    # "Policy variables": a variable with no value in the request makes that value not match.
    policy = compiled(allow("s3:GetObject", HOME))
    key = "arn:aws:s3:::bucket/home/${aws:username}/notes.txt"
    assert decide([policy], "s3:GetObject", key, {}) is Decision.IMPLICIT_DENY


def test_a_variables_value_is_literal_text_not_a_wildcard():
    policy = compiled(allow("s3:GetObject", HOME))
    key = "arn:aws:s3:::bucket/home/alice/notes.txt"
    assert decide([policy], "s3:GetObject", key, {"aws:username": "a*"}) is Decision.IMPLICIT_DENY


def test_without_version_2012_variables_are_literal_text():
    # "IAM JSON policy elements: Version": without 2012-10-17 ${aws:username} is a string.
    policy = compiled(allow("s3:GetObject", HOME), version="2008-10-17")
    literal = "arn:aws:s3:::bucket/home/${aws:username}/notes.txt"
    alice = {"aws:username": "alice"}
    assert decide([policy], "s3:GetObject", literal, alice) is Decision.ALLOW
    key = "arn:aws:s3:::bucket/home/alice/notes.txt"
    assert decide([policy], "s3:GetObject", key, alice) is Decision.IMPLICIT_DENY


def test_special_character_variables_stand_for_the_characters_themselves():
    policy = compiled(allow("s3:GetObject", "arn:aws:s3:::bucket/${*}${?}${$}"))
    assert decide([policy], "s3:GetObject", "arn:aws:s3:::bucket/*?$") is Decision.ALLOW
    assert decide([policy], "s3:GetObject", "arn:aws:s3:::bucket/ab$") is Decision.IMPLICIT_DENY


def test_a_variable_may_name_any_context_key_and_carry_a_default():
    tagged = compiled(allow("s3:GetObject", "arn:aws:s3:::${aws:PrincipalTag/team, 'shared'}/*"))
    team = {"aws:principaltag/team": "blue"}
    assert decide([tagged], "s3:GetObject", "arn:aws:s3:::blue/x", team) is Decision.ALLOW
    assert decide([tagged], "s3:GetObject", "arn:aws:s3:::shared/x", {}) is Decision.ALLOW
    by_id = compiled(allow("s3:GetObject", "arn:aws:s3:::b/${aws:userid}"))
    uid = {"aws:userid": "AIDAEXAMPLE"}
    assert decide([by_id], "s3:GetObject", "arn:aws:s3:::b/AIDAEXAMPLE", uid) is Decision.ALLOW


def test_conditions_of_a_statement_must_hold_for_it_to_apply():
    cond = {"StringEquals": {"aws:ResourceTag/WinUpdate": "ON"}}
    policies = [compiled(allow(Condition=cond))]
    assert decide(policies, context={"aws:resourcetag/winupdate": "ON"}) is Decision.ALLOW
    assert decide(policies, context={"aws:resourcetag/winupdate": "OFF"}) is Decision.IMPLICIT_DENY
    guarded = [compiled(allow(), deny(Condition=cond))]
    assert decide(guarded, context={"aws:resourcetag/winupdate": "ON"}) is Decision.EXPLICIT_DENY
    assert decide(guarded, context={}) is Decision.ALLOW
