"""Wildcards and policy variables: how the text of a Resource or a condition value matches.

Compiled once per policy text. A value without variables becomes a set member or a
regular expression at parse time; a value with variables (``${aws:username}``) keeps its
parts and is rendered against each request's context.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# IAM User Guide, "Policy variables": ${*}, ${?} and ${$} stand for the characters
# themselves where they would otherwise be special; a default follows the key after a
# comma, in single quotes: ${aws:PrincipalTag/team, 'company-wide'}.
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Variable:
    """``${key}`` or ``${key, 'default'}``; ``key`` lower-cased like the context's keys."""

    key: str
    default: str | None = None


Part = str | Variable


def has_variables(text: str) -> bool:
    return "${" in text


def split_variables(text: str) -> tuple[tuple[Part, bool], ...]:
    """``text`` as (literal, is_special_char) and ``Variable`` parts, in order.

    A special-character variable (``${*}``) is a literal that a wildcard pattern must not
    read as a wildcard, hence the flag.
    """
    parts: list[tuple[Part, bool]] = []
    at = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > at:
            parts.append((text[at : match.start()], False))
        inner = match.group(1)
        if inner in _SPECIAL:
            parts.append((_SPECIAL[inner], True))
        else:
            with_default = _DEFAULT.match(inner)
            if with_default:
                key, default = with_default.groups()
                parts.append((Variable(key.lower(), default), False))
            else:
                parts.append((Variable(inner.strip().lower()), False))
        at = match.end()
    if at < len(text):
        parts.append((text[at:], False))
    return tuple(parts)


def variable_value(variable: Variable, context: Mapping[str, Any]) -> str | None:
    """The text a variable stands for in this request, or None when it has none.

    IAM User Guide, "Policy variables": a multivalued key cannot be a variable, and a key
    absent from the request leaves the variable without a value (unless it has a default).
    """
    value = context.get(variable.key)
    if value is None or isinstance(value, (list, tuple, set, frozenset)):
        return variable.default
    return as_text(value)


def as_text(value: Any) -> str:
    """A context value as the string IAM compares: booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Template:
    """A value with policy variables, rendered per request."""

    parts: tuple[tuple[Part, bool], ...]

    def render(self, context: Mapping[str, Any]) -> str | None:
        out = []
        for part, _special in self.parts:
            if isinstance(part, Variable):
                value = variable_value(part, context)
                if value is None:
                    return None
                out.append(value)
            else:
                out.append(part)
        return "".join(out)

    def render_pattern(
        self, context: Mapping[str, Any], translate: Callable[[str], str]
    ) -> str | None:
        """As a regular expression: literal text through ``translate`` (its wildcards
        stay wildcards), special characters and variable values escaped."""
        out = []
        for part, special in self.parts:
            if isinstance(part, Variable):
                value = variable_value(part, context)
                if value is None:
                    return None
                out.append(re.escape(value))
            elif special:
                out.append(re.escape(part))
            else:
                out.append(translate(part))
        return "".join(out)


def template(text: str) -> Template:
    return Template(split_variables(text))


def glob(text: str) -> str:
    """StringLike's wildcards: ``*`` any run of characters, ``?`` any one character."""
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)


def arn_glob(text: str) -> str:
    """Resource wildcards (IAM User Guide, "IAM JSON policy elements: Resource"): ``*`` and
    ``?`` stay within a colon-separated segment, except a ``*`` that ends a segment, which
    may match past the colons."""
    out = []
    for i, ch in enumerate(text):
        if ch == "*":
            ends_segment = i + 1 == len(text) or text[i + 1] == ":"
            out.append(".*" if ends_segment else "[^:]*")
        elif ch == "?":
            out.append("[^:]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@functools.lru_cache(maxsize=8192)
def compiled(regex: str, ignore_case: bool = False) -> re.Pattern[str]:
    """A rendered pattern compiled once: the same user's ARN recurs on every request."""
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


@dataclass(frozen=True)
class Matcher:
    """A list of patterns (Action, Resource, ArnLike values), compiled for one question:
    does this string match any of them?"""

    match_all: bool
    exact: frozenset[str]
    regex: re.Pattern[str] | None
    templates: tuple[Template, ...]  # patterns with variables, rendered per request
    translate: Callable[[str], str]
    ignore_case: bool

    def matches(self, text: str, context: Mapping[str, Any]) -> bool:
        if self.match_all or text in self.exact:
            return True
        if self.regex is not None and self.regex.fullmatch(text):
            return True
        for tmpl in self.templates:
            regex = tmpl.render_pattern(context, self.translate)
            if regex is not None and compiled(regex, self.ignore_case).fullmatch(text):
                return True
        return False


def matcher(
    patterns: list[str],
    translate: Callable[[str], str],
    *,
    ignore_case: bool = False,
    variables: bool = False,
) -> Matcher:
    """Compile ``patterns``; with ``ignore_case`` the caller lower-cases what it matches."""
    exact: set[str] = set()
    regexes: list[str] = []
    templates: list[Template] = []
    match_all = False
    for pattern in patterns:
        if ignore_case:
            pattern = pattern.lower()
        if variables and has_variables(pattern):
            templates.append(template(pattern))
        elif pattern == "*":
            match_all = True
        elif "*" in pattern or "?" in pattern:
            regexes.append(translate(pattern))
        else:
            exact.add(pattern)
    regex = compiled("|".join(f"(?:{r})" for r in regexes), ignore_case) if regexes else None
    return Matcher(match_all, frozenset(exact), regex, tuple(templates), translate, ignore_case)
