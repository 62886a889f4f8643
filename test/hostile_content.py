"""Hostile runbook content for the validator's and the parser's bounds (content_limits):
YAML alias bombs, merge-key bombs, nesting deeper than any bound."""

from __future__ import annotations

STEP = "mainSteps: [{name: a, action: 'aws:sleep', isEnd: true, inputs: {Duration: PT1S}}]\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The billion laughs: each level lists the previous one ``width`` times."""
    lines = ["schemaVersion: '0.3'", "l0: &l0 [" + ",".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n" + STEP


def merge_key_bomb(levels: int = 12) -> str:
    """The same with merge keys: each mapping merges the previous one twice."""
    lines = ["schemaVersion: '0.3'", "m0: &m0 {a: 1, b: 2}"]
    for level in range(1, levels):
        lines.append(f"m{level}: &m{level} {{<<: [*m{level - 1}, *m{level - 1}], k{level}: 1}}")
    return "\n".join(lines) + "\n" + STEP


def nested(depth: int) -> str:
    return "schemaVersion: '0.3'\nx: " + "[" * depth + "]" * depth + "\n" + STEP
