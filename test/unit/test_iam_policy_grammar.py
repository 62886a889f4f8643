"""The policy grammar IAM enforces: what parse_policy refuses, and with which message.

IAM User Guide, "IAM JSON policy grammar"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html) and
"IAM JSON policy elements reference"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
"""

from __future__ import annotations

import json

import pytest

from winupdate.local.iam.evaluate import Decision, Request, evaluate
from winupdate.local.iam.policy import MalformedPolicy, parse_policy


def statement(**fields) -> dict:
    return {"Effect": "Allow", "Action": "ec2:DescribeImages", "Resource": "*", **fields}


def policy(*statements: dict, version: str | None = "2012-10-17") -> str:
    doc: dict = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return json.dumps(doc)


def refused(document: str | dict, kind: str = "identity") -> MalformedPolicy:
    with pytest.raises(MalformedPolicy) as err:
        parse_policy(document, kind)
    return err.value


def test_a_valid_identity_policy_with_a_statement_object_or_list_is_accepted():
    one = {"Version": "2012-10-17", "Statement": statement()}
    assert len(parse_policy(one).statements) == 1
    assert len(parse_policy(policy(statement(), statement(Effect="Deny"))).statements) == 2


def test_version_2008_and_no_version_are_accepted_but_other_versions_are_not():
    assert parse_policy(policy(statement(), version="2008-10-17")).version == "2008-10-17"
    assert parse_policy(policy(statement(), version=None)).version is None
    assert refused(policy(statement(), version="2012-10-18")).message == (
        "Syntax errors in policy."
    )


def test_a_document_that_is_not_json_is_refused_as_invalid_json():
    assert refused('{"Version": ').message == "This policy contains invalid Json"


def test_unknown_top_level_and_statement_elements_are_refused():
    assert "Policy" in str(refused({"Statement": [statement()], "Policy": 1}))
    err = refused(policy(statement(Actions="ec2:*")))
    assert err.message == "Syntax errors in policy."
    assert "Actions" in err.detail


def test_effect_must_be_allow_or_deny_spelled_as_iam_spells_it():
    assert "Permit" in str(refused(policy(statement(Effect="Permit"))))
    # Any case passes IAM's syntax pass, but not its "legacy parsing" (moto's observation).
    assert refused(policy(statement(Effect="allow"))).message == "The policy failed legacy parsing"
    no_effect = statement()
    del no_effect["Effect"]
    assert refused(policy(no_effect)).message == "Syntax errors in policy."


def test_a_statement_needs_exactly_one_of_action_and_not_action():
    no_action = statement()
    del no_action["Action"]
    assert refused(policy(no_action)).message == "Policy statement must contain actions."
    assert "NotAction" in str(refused(policy(statement(NotAction="ec2:*"))))


def test_an_action_needs_a_service_prefix_and_one_colon():
    assert refused(policy(statement(Action="DescribeImages"))).message == (
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    )
    assert refused(policy(statement(Action="ec2:Describe:Images"))).message == (
        "Actions/Condition can contain only one colon."
    )
    assert parse_policy(policy(statement(Action="*")))


def test_an_identity_statement_needs_exactly_one_of_resource_and_not_resource():
    no_resource = statement()
    del no_resource["Resource"]
    assert refused(policy(no_resource)).message == "Policy statement must contain resources."
    assert "NotResource" in str(refused(policy(statement(NotResource="*"))))


def test_a_resource_must_be_an_arn_or_a_star():
    assert refused(policy(statement(Resource="my-bucket"))).message == (
        'Resource my-bucket must be in ARN format or "*".'
    )
    assert "not valid" in refused(policy(statement(Resource="arn:aws-moon:ec2:::x"))).message
    assert parse_policy(policy(statement(Resource="arn:aws:ec2:*:*:instance/i-?*")))


def test_an_identity_policy_must_not_name_a_principal():
    # IAM User Guide, "IAM JSON policy elements: Principal": not in identity-based policies.
    for key in ("Principal", "NotPrincipal"):
        err = refused(policy(statement(**{key: {"AWS": "123456789012"}})))
        assert err.message == "Policy document should not specify a principal."


def test_trust_and_resource_policies_need_a_principal():
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    assert refused(policy(trust), "trust").message == "Missing required field Principal"
    assert refused(policy(statement()), "resource").message == "Missing required field Principal"
    ok = {**trust, "Principal": {"Service": "ssm.amazonaws.com"}}
    assert parse_policy(policy(ok), "trust").kind == "trust"


def test_a_trust_policy_must_not_name_a_resource():
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*", "Resource": "*"}
    assert refused(policy(trust), "trust").message == "Has prohibited field Resource."


def test_an_aws_principal_must_be_a_star_an_account_id_or_an_arn():
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "alice"}}
    assert refused(policy(trust), "trust").message == 'Invalid principal in policy: "AWS":"alice"'


def test_identity_sids_are_alphanumeric_and_unique():
    # IAM User Guide, "IAM JSON policy elements: Sid": A-Z, a-z, 0-9; unique in a policy.
    assert "alpha-numeric" in refused(policy(statement(Sid="Read-Only"))).message
    err = refused(policy(statement(Sid="A1"), statement(Sid="A1")))
    assert err.message == "Statement IDs (SID) in a single policy must be unique."
    assert parse_policy(policy(statement(Sid="A1"), statement(Sid="B2")))


def test_an_unknown_condition_operator_is_refused_never_ignored():
    err = refused(policy(statement(Condition={"StringEqualz": {"aws:username": "a"}})))
    assert err.message == "Syntax errors in policy."
    assert "StringEqualz" in err.detail
    # moto lets an unknown operator through when its key map is empty; IAM does not.
    assert "Foo" in str(refused(policy(statement(Condition={"Foo": {}}))))
    assert "NullIfExists" in str(refused(policy(statement(Condition={"NullIfExists": {}}))))


@pytest.mark.parametrize(
    "operator",
    [
        "StringEquals",
        "ForAllValues:StringLike",
        "ForAnyValue:StringEqualsIgnoreCaseIfExists",
        "NumericLessThanEquals",
        "DateGreaterThanIfExists",
        "Bool",
        "BinaryEquals",
        "NotIpAddress",
        "ArnNotLike",
        "Null",
    ],
)
def test_every_documented_operator_with_prefixes_and_suffix_is_accepted(operator):
    value = {"Null": "true", "Bool": "true", "BinaryEquals": "QmluYXJ5"}.get(operator, "1")
    if operator.startswith("Date"):
        value = "2020-01-01T00:00:00Z"
    if "IpAddress" in operator:
        value = "10.0.0.0/8"
    parsed = parse_policy(policy(statement(Condition={operator: {"aws:Key": value}})))
    assert parsed.statements[0].conditions[0].operator == operator


def test_condition_values_may_be_strings_numbers_booleans_or_lists_of_them():
    cond = {
        "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
        "Bool": {"aws:SecureTransport": True},
        "StringEquals": {"aws:PrincipalTag/team": ["a", "b"]},
    }
    assert len(parse_policy(policy(statement(Condition=cond))).statements[0].conditions) == 3
    err = refused(policy(statement(Condition={"StringEquals": {"aws:k": {"nested": 1}}})))
    assert err.message == "Syntax errors in policy."


def test_a_condition_key_without_a_service_prefix_is_refused():
    err = refused(policy(statement(Condition={"StringEquals": {"username": "a"}})))
    assert err.message.startswith("Actions/Conditions must be prefaced by a vendor")


def test_an_unreadable_date_fails_legacy_parsing():
    err = refused(policy(statement(Condition={"DateLessThan": {"aws:CurrentTime": "soon"}})))
    assert err.message == "The policy failed legacy parsing"


def test_a_repeated_parse_of_the_same_text_is_the_same_compiled_policy():
    text = policy(statement())
    assert parse_policy(text) is parse_policy(text)
    # The kind is part of the key: the same text is checked again as another kind.
    assert "Missing required field Principal" in str(refused(text, "resource"))


def test_a_mapping_is_parsed_like_its_text():
    doc = {"Version": "2012-10-17", "Statement": [statement(Effect="Deny")]}
    request = Request("ec2:DescribeImages", "*", {})
    assert evaluate([parse_policy(doc)], request) is Decision.EXPLICIT_DENY
    assert parse_policy(doc) is parse_policy(dict(doc))


def test_an_iam_resource_outside_iams_resource_paths_is_refused():
    err = refused(policy(statement(Resource="arn:aws:iam::123456789012:bogus/x")))
    assert err.message.startswith('IAM resource path must either be "*" or start with user/')


def test_every_aws_managed_policy_parses():
    # IAM accepted each of these; moto ships them (MOTO_IAM_LOAD_MANAGED_POLICIES). They
    # use forms moto's own validator refuses: arn:aws:iam::*:root, IAM role templates,
    # S3 access grants with a region.
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    managed = json.loads(aws_managed_policies_data)
    refused_names = []
    for name, entry in managed.items():
        try:
            parse_policy(json.dumps(entry["Document"]))
        except MalformedPolicy as err:
            refused_names.append(f"{name}: {err}")
    assert len(managed) > 1000
    assert refused_names == []
