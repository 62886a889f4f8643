"""``winupdate validate`` as a user meets it: the command, its exit codes and output, the
project's own documents and the seed's, and the valid runbooks it must never reject."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from validate_support import BASE, line_of

from winupdate.cli import main
from winupdate.documents.render import RenderError, render, template_variables
from winupdate.documents.validate import validate_paths
from winupdate.local.automation.registry import specs

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "test" / "fixtures" / "seed"
VALID = ROOT / "test" / "fixtures" / "runbooks" / "valid"

# The seed's known flaws (DESIGN.md), each a warning, none an error.
SEED_WARNINGS = {
    ("MY-AutomationProcess.yaml", "WU702"): 4,  # waits for Success only (the hour-long hang)
    ("MY-AutomationProcess.yaml", "WU703"): 2,  # before-AMI and update steps abort silently
    ("MY-AutomationProcess.yaml", "WU405"): 1,  # StartEC2Instances onFailure -> runWindowsUpdate
    ("MY-AutomationStart.yaml", "WU703"): 2,  # approval rejected/expired, start fails: no message
    ("MY-AutomationStart.yaml", "WU403"): 1,  # ends by falling off the last step
    ("MY-CreateImage.yaml", "WU505"): 1,  # AutomationAssumeRole is declared, never used
}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_module_documents_as_rendered_have_no_findings(capsys):
    code, out, _ = _run(capsys, str(ROOT / "documents"), "--rendered")
    assert out.splitlines() == ["5 files checked: 0 error(s), 0 warning(s)"]
    assert code == 0


def test_the_seed_has_no_errors_and_its_known_flaws_as_warnings():
    report = validate_paths([SEED])
    assert report.errors == 0
    counted: dict[tuple[str, str], int] = {}
    for finding in report.findings:
        key = (Path(finding.path).name, finding.code)
        counted[key] = counted.get(key, 0) + 1
    assert counted == SEED_WARNINGS


def test_the_seed_exits_0(capsys):
    assert _run(capsys, str(SEED))[0] == 0


def test_the_valid_runbooks_have_no_findings():
    report = validate_paths([VALID])
    assert report.files >= 15
    assert [f.as_text() for f in report.findings] == []


def test_the_valid_runbooks_use_every_action_of_the_registry():
    text = "\n".join(p.read_text() for p in sorted(VALID.iterdir()))
    used = set(re.findall(r'"?action"?:\s*"?(aws:\w+)', text))
    assert set(specs()) <= used


# A new user's first mistakes: one finding each, on the right line, with a fix hint.
NEW_USER_MISTAKES = [
    ("Api: DescribeInstances", "Api: DescribeInstance", "WU302", "DescribeInstances"),
    ("      DesiredState: stopped\n", "", "WU202", "DesiredState"),
    ("    nextStep: Done\n", "    nextStep: Dnoe\n", "WU401", "Done"),
    ("mode {{ Mode }}", "mode {{ Mdoe }}", "WU501", "Mode"),
    ("default: i-0123456789", "default: 42", "WU112", "quote"),
]


@pytest.mark.parametrize(
    ("old", "new", "code", "hint"), NEW_USER_MISTAKES, ids=[m[2] for m in NEW_USER_MISTAKES]
)
def test_a_new_users_mistake_gives_one_clear_finding(tmp_path, capsys, old, new, code, hint):
    text = BASE.replace(old, new)
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    status, out, err = _run(capsys, str(path))
    lines = out.splitlines()
    assert status == 1 and err == ""
    assert len(lines) == 2, out  # the finding and the summary
    location, _, rest = lines[0].partition(f": {code} error ")
    assert location.endswith(
        "mine.yaml:" + location.rsplit(":", 2)[1] + ":" + location.rsplit(":", 1)[1]
    )
    line = int(location.rsplit(":", 2)[1])
    marker = new.strip() or "inputs:"
    assert line == line_of(text, marker, 3 if code == "WU202" else 1)
    assert "(hint: " in rest and hint in rest.split("(hint: ", 1)[1]
    assert lines[1] == "1 file checked: 1 error(s), 0 warning(s)"


def test_json_format(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    path.write_text(BASE.replace("Service: ec2", "Service: ec3"))
    status, out, _ = _run(capsys, "--format", "json", str(path))
    report = json.loads(out)
    assert status == 1
    assert report["summary"] == {"files": 1, "errors": 1, "warnings": 0}
    (finding,) = report["findings"]
    assert finding["code"] == "WU301" and finding["line"] == line_of(BASE, "Service: ec2")
    assert finding["hint"].startswith("did you mean")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"- a\n- b\n",
        b"just text\n",
        b"\xff\xfe\x00bin",
        b"schemaVersion: '0.3'\nmainSteps: [a\n",
    ],
    ids=["empty", "list", "scalar", "binary", "broken"],
)
def test_odd_files_give_findings_not_tracebacks(tmp_path, capsys, content):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    status, out, err = _run(capsys, str(path))
    assert status == 1 and "Traceback" not in out + err
    assert re.match(r"^.*odd\.yaml:\d+:\d+: WU10[12] error ", out)


def test_usage_errors_exit_2(tmp_path, capsys):
    status, _, err = _run(capsys, str(tmp_path / "missing.yaml"))
    assert status == 2 and "no such file or folder" in err
    assert _run(capsys, str(tmp_path))[0] == 2  # a folder without runbooks
    with pytest.raises(SystemExit) as caught:
        main(["validate"])
    assert caught.value.code == 2


def test_unrendered_templates_point_to_rendered(capsys):
    status, out, _ = _run(capsys, str(ROOT / "documents" / "CreateImage.yaml"))
    assert status == 1
    assert "WU106 warning" in out and "--rendered" in out


# --- rendering ------------------------------------------------------------------------


def test_the_template_variables_are_the_ones_main_tf_passes():
    main_tf = (ROOT / "main.tf").read_text()
    block = re.search(r'module "runbooks" \{(.*?)\n\}', main_tf, re.S).group(1)
    passed = set(re.findall(r"^  (\w+)\s*=", block, re.M)) - {"source", "documents_path", "tags"}
    defaults = set(re.findall(r"^    (\w+)\s*=", block.split("defaults = {", 1)[1], re.M))
    variables = template_variables(ROOT)
    assert set(variables) == passed
    assert set(variables["defaults"]) == defaults


def test_render_escapes_and_types():
    variables = {"a": {"b": True, "n": 1200}, "s": "x"}
    assert render("$${a} ${a.b} ${a.n} ${ s } %%{x}", variables) == "${a} true 1200 x %{x}"


@pytest.mark.parametrize(
    "template", ["${upper(s)}", "${nope}", "${a.c}", "%{ if true }x%{ endif }"]
)
def test_render_refuses_what_it_cannot_render_as_terraform_would(template):
    with pytest.raises(RenderError):
        render(template, {"a": {"b": 1}, "s": "x"})


def test_the_readme_lists_every_code_with_its_severity():
    from winupdate.documents.findings import CODES

    readme = (ROOT / "README.md").read_text()
    for code, (severity, _) in CODES.items():
        assert f"| {code} | {severity} |" in readme
