"""The rules CreateDocument applies (``document_rules``), one case per rule, each citing the
page and line of the SSM User Guide it follows (document_rule_cases). ``winupdate validate``
reports each as an error on the line of the broken part, with the message the embedded AWS
answers (test/embedded/test_create_document_rules.py shows they agree); the accepted forms
break none of them.
"""

from __future__ import annotations

import pytest
import yaml
from validate_support import validate_text

from document_rule_cases import ACCEPTED, TRIPPING
from winupdate.documents.findings import CODES, ERROR
from winupdate.local.automation import document_rules


def _lines(text: str, marker: str) -> set[int]:
    return {n for n, line in enumerate(text.splitlines(), 1) if marker in line}


@pytest.mark.parametrize("case", [c.param for c in TRIPPING])
def test_the_rule_refuses_the_document_with_its_reason(case):
    found = document_rules.violations(yaml.safe_load(case.text))
    assert case.cites  # every rule follows a page of the guide
    assert [v.code for v in found] == [case.code], [v.message for v in found]
    assert case.says in found[0].message


@pytest.mark.parametrize("case", [c.param for c in TRIPPING])
def test_the_validator_reports_the_rule_as_an_error_on_its_line(case):
    findings = validate_text(case.text)
    hits = [f for f in findings if f.code == case.code and case.says in f.message]
    assert hits, [f.as_text() for f in findings]
    assert all(f.severity == ERROR for f in hits)
    assert {f.line for f in hits} & _lines(case.text, case.marker)


@pytest.mark.parametrize("case", [c.param for c in ACCEPTED])
def test_a_form_aws_accepts_breaks_no_rule(case):
    assert document_rules.violations(yaml.safe_load(case.text)) == []
    rule_codes = set(document_rules.CODES)
    assert [f.as_text() for f in validate_text(case.text) if f.code in rule_codes] == []


def test_every_rule_is_an_error_code_of_the_validator_and_has_a_case():
    # findings.py: an error is what AWS refuses at CreateDocument (or what must fail).
    assert all(CODES[code][0] == ERROR for code in document_rules.CODES)
    assert {rule.code for rule in document_rules.RULES} <= set(document_rules.CODES)
    assert all(rule.reference for rule in document_rules.RULES)
    tripped = {c.code for c in TRIPPING}
    assert set(document_rules.CODES) - tripped <= {"WU102", "WU120", "WU208"}


def test_a_document_that_is_not_a_mapping_breaks_the_first_rule():
    assert [v.code for v in document_rules.violations(["a"])] == ["WU102"]
    assert [v.code for v in document_rules.violations({"schemaVersion": "0.3"})] == ["WU102"]


def test_a_loop_whose_steps_are_not_steps_is_refused():
    # automation-action-loop.html: Steps are the steps each pass runs. Assumed: a list of
    # step mappings, as every aws:loop in AWS's own runbooks has.
    data = yaml.safe_load(
        "schemaVersion: '0.3'\nmainSteps:\n  - name: L\n    action: aws:loop\n"
        "    inputs: {Iterators: [a], Steps: [x]}\n    isEnd: true\n"
    )
    assert [v.code for v in document_rules.violations(data)] == ["WU208"]


def test_a_step_without_an_action_is_refused():
    # automation-actions.md:58-62: action, Required: Yes.
    data = yaml.safe_load("schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    isEnd: true\n")
    found = document_rules.violations(data)
    assert [v.code for v in found] == ["WU120"]
    assert found[0].message == "step #1 has no action (a string)"
