"""Condition operators, exactly as the IAM User Guide documents them.

"IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
"IAM JSON policy elements: Condition" (key names are not case-sensitive; several operators
and keys AND, several values OR) and "Single-valued vs. multivalued context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
"""

from __future__ import annotations

import json

import pytest

from winupdate.local.iam.evaluate import Decision, Request, evaluate
from winupdate.local.iam.policy import parse_policy


def holds(condition: dict, context: dict, version: str = "2012-10-17") -> bool:
    """Does an Allow statement with this Condition apply to a request with this context?"""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    doc = {"Version": version, "Statement": [{**statement, "Condition": condition}]}
    request = Request("s3:GetObject", "arn:aws:s3:::b/k", context)
    return evaluate([parse_policy(json.dumps(doc))], request) is Decision.ALLOW


def test_condition_key_names_are_case_insensitive_given_a_lower_cased_context():
    for key in ("aws:ResourceTag/Phase", "AWS:RESOURCETAG/PHASE", "aws:resourcetag/phase"):
        assert holds(
            {"StringEquals": {key: "UpdateAfter"}}, {"aws:resourcetag/phase": "UpdateAfter"}
        )


def test_several_operators_and_several_keys_must_all_hold():
    cond = {
        "StringEquals": {"aws:username": "alice", "aws:principaltag/team": "blue"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    full = {"aws:username": "alice", "aws:principaltag/team": "blue", "aws:securetransport": True}
    assert holds(cond, full)
    assert not holds(cond, {**full, "aws:principaltag/team": "red"})
    assert not holds(cond, {**full, "aws:securetransport": False})


def test_several_values_for_one_key_are_alternatives():
    cond = {"StringEquals": {"aws:resourcetag/phase": ["UpdateAfter", "UpdateBefore"]}}
    assert holds(cond, {"aws:resourcetag/phase": "UpdateBefore"})
    assert not holds(cond, {"aws:resourcetag/phase": "Other"})


def test_a_negated_operator_holds_when_the_value_matches_none_of_the_values():
    cond = {"StringNotEquals": {"aws:username": ["alice", "bob"]}}
    assert holds(cond, {"aws:username": "carol"})
    assert not holds(cond, {"aws:username": "bob"})


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("StringEquals", "a"),
        ("StringEqualsIgnoreCase", "a"),
        ("StringLike", "a*"),
        ("NumericEquals", "1"),
        ("NumericLessThan", "1"),
        ("DateEquals", "2020-01-01T00:00:00Z"),
        ("DateGreaterThan", "2020-01-01T00:00:00Z"),
        ("Bool", "true"),
        ("BinaryEquals", "QQ=="),
        ("IpAddress", "10.0.0.0/8"),
        ("ArnEquals", "arn:aws:iam::123456789012:role/*"),
        ("ArnLike", "arn:aws:iam::123456789012:role/*"),
    ],
)
def test_a_positive_operator_is_false_when_the_key_is_absent(operator, value):
    assert not holds({operator: {"aws:SomeKey": value}}, {})
    # ...and ...IfExists makes it true.
    assert holds({operator + "IfExists": {"aws:SomeKey": value}}, {})


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("StringNotEquals", "a"),
        ("StringNotEqualsIgnoreCase", "a"),
        ("StringNotLike", "a*"),
        ("NumericNotEquals", "1"),
        ("DateNotEquals", "2020-01-01T00:00:00Z"),
        ("NotIpAddress", "10.0.0.0/8"),
        ("ArnNotEquals", "arn:aws:iam::123456789012:role/*"),
        ("ArnNotLike", "arn:aws:iam::123456789012:role/*"),
    ],
)
def test_a_negated_operator_is_true_when_the_key_is_absent(operator, value):
    assert holds({operator: {"aws:SomeKey": value}}, {})


def test_if_exists_still_tests_a_present_key():
    cond = {"StringEqualsIfExists": {"ec2:instancetype": "t3.micro"}}
    assert holds(cond, {"ec2:instancetype": "t3.micro"})
    assert not holds(cond, {"ec2:instancetype": "m5.large"})


def test_null_true_means_the_key_is_absent_and_false_that_it_is_present():
    assert holds({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not holds({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:tokenissuetime": "x"})
    assert holds({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:tokenissuetime": "x"})
    assert not holds({"Null": {"aws:TokenIssueTime": False}}, {})


TAG_KEYS = ["AutomationExecutionId", "InstanceId", "Phase"]


def test_for_all_values_holds_when_every_context_value_is_among_the_policys():
    cond = {"ForAllValues:StringEquals": {"aws:TagKeys": TAG_KEYS}}
    assert holds(cond, {"aws:tagkeys": ["Phase", "InstanceId"]})
    assert not holds(cond, {"aws:tagkeys": ["Phase", "Owner"]})


def test_for_all_values_holds_when_the_key_is_absent_or_empty():
    # "Single-valued vs. multivalued context keys": ForAllValues "also returns true if there
    # are no context keys in the request".
    cond = {"ForAllValues:StringEquals": {"aws:TagKeys": TAG_KEYS}}
    assert holds(cond, {})
    assert holds(cond, {"aws:tagkeys": []})


def test_for_any_value_holds_when_one_context_value_matches_and_not_when_absent():
    cond = {"ForAnyValue:StringEquals": {"aws:TagKeys": TAG_KEYS}}
    assert holds(cond, {"aws:tagkeys": ["Owner", "Phase"]})
    assert not holds(cond, {"aws:tagkeys": ["Owner"]})
    assert not holds(cond, {})
    assert not holds(cond, {"aws:tagkeys": []})


def test_set_operators_with_a_negated_operator_test_each_context_value():
    cond = {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["Secret"]}}
    assert holds(cond, {"aws:tagkeys": ["Phase", "Owner"]})
    assert not holds(cond, {"aws:tagkeys": ["Phase", "Secret"]})
    cond = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["Secret"]}}
    assert holds(cond, {"aws:tagkeys": ["Phase", "Secret"]})
    assert not holds(cond, {"aws:tagkeys": ["Secret"]})


def test_string_operators_case_and_wildcards():
    assert not holds({"StringEquals": {"aws:username": "Alice"}}, {"aws:username": "alice"})
    assert holds({"StringEqualsIgnoreCase": {"aws:username": "Alice"}}, {"aws:username": "alice"})
    like = {"StringLike": {"s3:prefix": ["home/*/docs", "tmp/?"]}}
    assert holds(like, {"s3:prefix": "home/alice/docs"})
    assert holds(like, {"s3:prefix": "tmp/x"})
    assert not holds(like, {"s3:prefix": "tmp/xy"})
    # StringEquals takes no wildcards: a * is a star.
    assert not holds({"StringEquals": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/a"})


def test_numeric_operators_read_numbers_given_as_strings_or_numbers():
    assert holds(
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:multifactorauthage": 60}
    )
    assert holds({"NumericLessThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"})
    assert holds({"NumericEquals": {"s3:max-keys": "2.5"}}, {"s3:max-keys": 2.5})
    assert not holds({"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"})
    assert holds({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"})
    assert holds({"NumericNotEquals": {"s3:max-keys": ["1", "2"]}}, {"s3:max-keys": "3"})
    assert not holds({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"})


def test_date_operators_read_iso_8601_and_epoch_seconds():
    before = {"DateLessThan": {"aws:CurrentTime": "2020-06-30T00:00:00Z"}}
    assert holds(before, {"aws:currenttime": "2020-06-29T23:59:59Z"})
    assert not holds(before, {"aws:currenttime": "2020-06-30T00:00:00Z"})
    assert holds({"DateLessThanEquals": before["DateLessThan"]}, {"aws:currenttime": "2020-06-30"})
    epoch = {"DateGreaterThan": {"aws:EpochTime": "1593475200"}}  # 2020-06-30T00:00:00Z
    assert holds(epoch, {"aws:epochtime": 1593475201})
    assert holds(
        {"DateEquals": {"aws:CurrentTime": "1593475200"}},
        {"aws:currenttime": "2020-06-30T00:00:00Z"},
    )
    assert holds(
        {"DateGreaterThanEquals": {"aws:CurrentTime": "2020-06-30T02:00:00+02:00"}},
        {"aws:currenttime": "2020-06-30T00:00:00Z"},
    )


def test_bool_reads_true_and_false_as_strings_or_json_booleans():
    assert holds({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": True})
    assert holds({"Bool": {"aws:SecureTransport": "false"}}, {"aws:securetransport": "false"})
    assert holds({"Bool": {"aws:SecureTransport": True}}, {"aws:securetransport": "TRUE"})
    assert not holds({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": False})


def test_binary_equals_compares_base64_values():
    assert holds({"BinaryEquals": {"aws:Key": "QmluYXJ5"}}, {"aws:key": "QmluYXJ5"})
    assert holds({"BinaryEquals": {"aws:Key": "QmluYXJ5"}}, {"aws:key": b"Binary"})
    assert not holds({"BinaryEquals": {"aws:Key": "QmluYXJ5"}}, {"aws:key": "QmluYXJ6"})


def test_ip_address_operators_test_cidr_ranges_v4_and_v6():
    cond = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}
    assert holds(cond, {"aws:sourceip": "203.0.113.7"})
    assert holds(cond, {"aws:sourceip": "2001:db8::1"})
    assert not holds(cond, {"aws:sourceip": "198.51.100.1"})
    assert holds({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:sourceip": "10.0.0.1"})
    assert holds({"IpAddress": {"aws:SourceIp": "203.0.113.7"}}, {"aws:sourceip": "203.0.113.7"})


def test_arn_operators_compare_each_arn_component_with_wildcards():
    role = "arn:aws:iam::123456789012:role/Ops"
    assert holds({"ArnEquals": {"aws:SourceArn": role}}, {"aws:sourcearn": role})
    assert holds({"ArnLike": {"aws:SourceArn": "arn:aws:iam::*:role/*"}}, {"aws:sourcearn": role})
    topic = {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}
    assert holds(topic, {"aws:sourcearn": "arn:aws:sns:us-east-1:123456789012:t"})
    # A * stays in its component: us-east-1:999999999999 cannot stand for the region.
    assert not holds(topic, {"aws:sourcearn": "arn:aws:sns:us-east-1:999999999999:123456789012:t"})
    assert holds(
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:iam::*:user/*"}}, {"aws:sourcearn": role}
    )
    assert not holds(
        {"ArnLike": {"aws:SourceArn": "arn:aws:iam::*:role/*"}}, {"aws:sourcearn": "role/Ops"}
    )


def test_policy_variables_in_condition_values():
    cond = {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}
    assert holds(cond, {"aws:username": "alice", "aws:resourcetag/owner": "alice"})
    assert not holds(cond, {"aws:username": "alice", "aws:resourcetag/owner": "bob"})
    # A variable whose key is absent makes that value not match.
    assert not holds(cond, {"aws:resourcetag/owner": "${aws:username}"})
    tagged = {"StringLike": {"s3:prefix": "home/${aws:PrincipalTag/team}/*"}}
    assert holds(tagged, {"aws:principaltag/team": "blue", "s3:prefix": "home/blue/a"})
    star = {"StringLike": {"s3:prefix": "${*}"}}
    assert holds(star, {"s3:prefix": "*"})
    assert not holds(star, {"s3:prefix": "anything"})


def test_condition_values_are_literal_text_without_version_2012():
    cond = {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}
    literal = {"aws:username": "alice", "aws:resourcetag/owner": "${aws:username}"}
    assert holds(cond, literal, version="2008-10-17")
    assert not holds(
        cond, {"aws:username": "alice", "aws:resourcetag/owner": "alice"}, "2008-10-17"
    )


def test_a_multivalued_variable_has_no_value():
    # "Single-valued vs. multivalued context keys": a multivalued key cannot be a variable.
    cond = {"StringEquals": {"aws:ResourceTag/Owner": "${aws:TagKeys}"}}
    assert not holds(cond, {"aws:tagkeys": ["alice"], "aws:resourcetag/owner": "alice"})
