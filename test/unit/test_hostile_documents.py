"""``winupdate validate`` and the runtime's parser refuse hostile content with one clear error,
YAML alias bombs, nesting deeper than a bound, content over AWS's 64 KB document limit
(CreateDocument, Content: "must not exceed 64KB"). How fast and in how little memory is
measured by ``test/bench/test_hostile_content_speed.py``, not here.

AWS documents no nesting or alias limit; our bounds (content_limits: 64 levels, at most
as many expanded nodes as 64 KB of text could spell out) are assumptions, pinned here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile_content import STEP, alias_bomb, merge_key_bomb, nested
from winupdate.cli import main
from winupdate.content_limits import MAX_CONTENT_BYTES, MAX_DEPTH, ContentError, safe_load
from winupdate.local.automation.runbook import RunbookError, parse_content


def validate(capsys, tmp_path: Path, name: str, text: str) -> tuple[int, str]:
    """Run ``winupdate validate`` on one file: exit code and output."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)])
    out, _ = capsys.readouterr()
    return code, out


def test_an_alias_bomb_is_refused_with_one_error_at_once_and_in_little_memory(capsys, tmp_path):
    bomb = alias_bomb()
    assert len(bomb) < 600  # 9**9 strings once expanded
    code, out = validate(capsys, tmp_path, "bomb.yaml", bomb)
    assert code == 1
    (finding, summary) = out.splitlines()
    assert "WU101 error" in finding
    assert "aliases expand to more than" in finding and "nodes" in finding
    assert summary == "1 file checked: 1 error(s), 0 warning(s)"


def test_a_merge_key_bomb_is_refused_like_an_alias_bomb(capsys, tmp_path):
    code, out = validate(capsys, tmp_path, "merge.yaml", merge_key_bomb(20))
    assert code == 1 and "aliases expand to more than" in out


def test_an_alias_loop_is_refused(capsys, tmp_path):
    code, out = validate(capsys, tmp_path, "loop.yaml", "a: &a [1, *a]\n" + STEP)
    assert code == 1
    assert "an alias refers to a node that contains it" in out


def test_a_few_aliases_are_still_allowed(capsys, tmp_path):
    # Aliases are YAML, and AWS documents no ban on them: only their expansion is bounded.
    _, out = validate(capsys, tmp_path, "small.yaml", alias_bomb(levels=3, width=3))
    assert "WU101" not in out
    assert safe_load(alias_bomb(levels=3, width=3))["l1"] == [["lol"] * 3] * 3


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_nesting_deeper_than_the_bound_is_refused_without_a_traceback(capsys, tmp_path, suffix):
    depth = 5000  # far past Python's recursion limit for PyYAML's composer and json
    if suffix == ".json":
        text = '{"schemaVersion": "0.3", "x": ' + "[" * depth + "]" * depth + "}"
    else:
        text = nested(depth)
    code, out = validate(capsys, tmp_path, f"deep{suffix}", text)
    assert code == 1
    assert f"WU101 error the content nests deeper than {MAX_DEPTH} levels" in out


def test_nesting_at_the_bound_is_accepted_one_more_level_is_not():
    # The document itself is one level; x's brackets add the rest.
    safe_load(nested(MAX_DEPTH - 1))
    with pytest.raises(ContentError, match="nests deeper"):
        safe_load(nested(MAX_DEPTH))


def test_an_alias_used_deeper_than_where_it_was_defined_counts_its_full_depth():
    shallow = "[" * 40 + "]" * 40
    text = f"a: &a {shallow}\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    with pytest.raises(ContentError, match="nests deeper"):
        safe_load(text)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_content_over_64_kb_is_refused_naming_the_limit(capsys, tmp_path, suffix):
    padding = "x" * MAX_CONTENT_BYTES
    if suffix == ".json":
        text = json.dumps({"schemaVersion": "0.3", "description": padding, "mainSteps": []})
    else:
        text = f"schemaVersion: '0.3'\ndescription: {padding}\n" + STEP
    code, out = validate(capsys, tmp_path, f"big{suffix}", text)
    assert code == 1
    assert "AWS refuses content over 64 KB (65536 bytes)" in out


def _compact_size(data: object) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def test_content_of_exactly_64_kb_as_compact_json_is_not_refused_and_one_byte_more_is():
    data = {"schemaVersion": "0.3", "description": ""}
    data["description"] = "x" * (MAX_CONTENT_BYTES - _compact_size(data))
    assert _compact_size(data) == MAX_CONTENT_BYTES
    assert safe_load(json.dumps(data))["schemaVersion"] == "0.3"
    data["description"] += "x"
    with pytest.raises(ContentError, match="over 64 KB"):
        safe_load(json.dumps(data))


def test_indentation_does_not_count_towards_the_limit():
    """AWS serves AWSEC2-CloneInstanceAndUpgradeWindows as 74,998 bytes of indented JSON
    (54,732 compact) and accepted it: whitespace is not what the 64 KB limit measures."""
    data = {
        "schemaVersion": "0.3",
        "mainSteps": [{"name": f"s{i}", "x": "y" * 40} for i in range(900)],
    }
    text = json.dumps(data, indent=12)
    assert len(text.encode()) > MAX_CONTENT_BYTES > _compact_size(data)
    assert safe_load(text)["schemaVersion"] == "0.3"


def test_the_size_limit_counts_utf8_bytes_not_characters():
    # An assumption: AWS says "64KB" without saying bytes or characters; bytes is stricter.
    text = "description: " + "é" * (MAX_CONTENT_BYTES // 2) + "\n"
    assert len(text) < MAX_CONTENT_BYTES < len(text.encode())
    with pytest.raises(ContentError, match="over 64 KB"):
        safe_load(text)


def test_the_runtime_parser_refuses_an_alias_bomb_as_invalid_content():
    with pytest.raises(RunbookError, match="aliases expand to more than"):
        parse_content(alias_bomb(), "YAML")
    with pytest.raises(RunbookError, match="nests deeper"):
        parse_content('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "JSON")
