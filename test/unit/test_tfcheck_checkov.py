"""tfcheck's verdict on checkov's JSON report: what checkov did not scan, or skipped for no
stated reason, fails the check as a failed check does. The report shapes are checkov
3.2.533's (``--output json --compact``), as it answers for a file it cannot parse and for
a ``checkov:skip=ID`` without a reason."""

from winupdate.tfcheck import checkov_verdict


def _report(passed=3, failed=(), skipped=(), parsing_errors=()):
    return {
        "check_type": "terraform",
        "summary": {
            "passed": passed,
            "failed": len(failed),
            "skipped": len(skipped),
            "parsing_errors": len(parsing_errors),
        },
        "results": {
            "failed_checks": list(failed),
            "skipped_checks": list(skipped),
            "parsing_errors": list(parsing_errors),
        },
    }


def _skip(comment):
    return {
        "check_id": "CKV2_AWS_34",
        "resource": "module.parameters.aws_ssm_parameter.this",
        "file_path": "/modules/parameters/main.tf",
        "check_result": {"result": "SKIPPED", "suppress_comment": comment},
    }


def test_a_clean_report_passes_with_its_counts():
    verdict = checkov_verdict(_report(skipped=[_skip("not a secret: String only")]))
    assert verdict.ok
    assert verdict.detail == "3 passed, 0 failed, 1 skipped, 0 not parsed"


def test_a_file_checkov_could_not_parse_fails_and_is_named():
    verdict = checkov_verdict(_report(parsing_errors=["/work/main/modules/runbooks/main.tf"]))
    assert not verdict.ok
    assert "1 not parsed" in verdict.detail
    assert "could not parse /work/main/modules/runbooks/main.tf" in verdict.output


def test_a_parsing_error_counted_but_not_listed_still_fails():
    report = _report()
    report["summary"]["parsing_errors"] = 1
    del report["results"]["parsing_errors"]
    verdict = checkov_verdict([report])
    assert not verdict.ok
    assert "could not parse 1 file(s)" in verdict.output


def test_a_skip_without_a_reason_fails():
    verdict = checkov_verdict(_report(skipped=[_skip("No comment provided")]))
    assert not verdict.ok
    assert "CKV2_AWS_34" in verdict.output and "without a reason" in verdict.output


def test_a_failed_check_fails_and_is_named():
    failed = {
        "check_id": "CKV_AWS_26",
        "resource": "module.notifications.aws_sns_topic.this",
        "file_path": "/modules/notifications/main.tf",
        "check_name": "Ensure all data stored in the SNS topic is encrypted",
    }
    verdict = checkov_verdict(_report(failed=[failed]))
    assert not verdict.ok
    assert verdict.output.startswith("CKV_AWS_26 module.notifications.aws_sns_topic.this")
