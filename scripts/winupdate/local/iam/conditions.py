"""IAM's condition operators, compiled once per (operator, key) of a policy.

Semantics from the IAM User Guide, "IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
and "Single-valued vs. multivalued context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):

- several operators in one Condition, and several keys under one operator, all must hold;
  several values for one key: any may match;
- a negated operator (StringNotEquals, ArnNotLike, NotIpAddress, ...) holds when the
  context value matches none of the values;
- a key absent from the context: a positive operator is false, a negated one true;
  ``...IfExists`` is true; ``ForAllValues:`` is true, ``ForAnyValue:`` false; ``Null``
  tests presence itself.

Context keys are looked up lower-cased, whole (see ``evaluate.Request``).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.iam.policy_validation import IAMPolicyDocumentValidator

from .patterns import Template, as_text, compiled, glob, has_variables, matcher, template

Match = Callable[[Any, Mapping[str, Any]], bool]

SYNTAX_ERROR = "Syntax errors in policy."
LEGACY_ERROR = "The policy failed legacy parsing"
VENDOR_ERROR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."


class ConditionError(ValueError):
    """A Condition IAM refuses: ``message`` in IAM's words, ``detail`` naming the problem."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(f"{message} ({detail})")
        self.message = message
        self.detail = detail


@dataclass(frozen=True, eq=False)
class Condition:
    """One key under one operator: ``holds(context)`` answers it for a request."""

    operator: str
    key: str  # lower-cased
    negated: bool
    set_op: str | None  # "all" (ForAllValues:), "any" (ForAnyValue:) or None
    when_absent: bool
    match: Match  # one context value against the policy's values, in the positive sense

    def holds(self, context: Mapping[str, Any]) -> bool:
        value = context.get(self.key)
        if value is None:
            return self.when_absent
        if isinstance(value, (list, tuple, set, frozenset)):
            if self.set_op == "all":
                return all(self.match(v, context) != self.negated for v in value)
            if self.set_op == "any":
                return any(self.match(v, context) != self.negated for v in value)
            # Assumption (the docs say not to do this, not what it does): a single-valued
            # operator over a multivalued key asks whether any value matches.
            return any(self.match(v, context) for v in value) != self.negated
        return self.match(value, context) != self.negated


@dataclass(frozen=True, eq=False)
class NullCondition:
    """``Null``: "true" holds when the key is absent, "false" when it is present."""

    operator: str
    key: str
    want_absent: tuple[bool, ...]

    def holds(self, context: Mapping[str, Any]) -> bool:
        absent = context.get(self.key) is None
        return absent in self.want_absent


# ---- one factory per family: policy values -> Match ------------------------------------


def _strings(values: list[Any], variables: bool, fold: bool) -> Match:
    exact: set[str] = set()
    templates: list[Template] = []
    for value in values:
        text = as_text(value)
        if variables and has_variables(text):
            templates.append(template(text))
        else:
            exact.add(text.lower() if fold else text)
    frozen = frozenset(exact)
    if not templates:
        if fold:
            return lambda v, _ctx: as_text(v).lower() in frozen
        return lambda v, _ctx: (v if type(v) is str else as_text(v)) in frozen

    def match(v: Any, ctx: Mapping[str, Any]) -> bool:
        text = as_text(v).lower() if fold else as_text(v)
        if text in frozen:
            return True
        for tmpl in templates:
            rendered = tmpl.render(ctx)
            if rendered is not None and (rendered.lower() if fold else rendered) == text:
                return True
        return False

    return match


def _string_like(values: list[Any], variables: bool) -> Match:
    compiled_values = matcher([as_text(v) for v in values], glob, variables=variables)
    return lambda v, ctx: compiled_values.matches(as_text(v), ctx)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def epoch(value: Any) -> float | None:
    """A date as IAM reads one (ISO 8601, or seconds since the epoch), in epoch seconds.

    Assumption (the docs give no zone rule): a date without a zone is UTC.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, bool):
        return None
    elif isinstance(value, (int, float)):
        return float(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return float(text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _compare(values: list[Any], convert: Callable[[Any], float | None], op: Callable) -> Match:
    # Assumption: a policy value that cannot be read as a number (or date) matches nothing;
    # IAM accepts such a policy.
    wanted = tuple(n for n in (convert(v) for v in values) if n is not None)

    def match(v: Any, _ctx: Mapping[str, Any]) -> bool:
        n = convert(v)
        return n is not None and any(op(n, w) for w in wanted)

    return match


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    return True if text == "true" else False if text == "false" else None


def _bool(values: list[Any], variables: bool) -> Match:
    fixed = {_boolean(v) for v in values if not (variables and has_variables(as_text(v)))}
    templates = [template(as_text(v)) for v in values if variables and has_variables(as_text(v))]
    fixed.discard(None)

    def match(v: Any, ctx: Mapping[str, Any]) -> bool:
        b = _boolean(v)
        if b is None:
            return False
        if b in fixed:
            return True
        return any(_boolean(t.render(ctx)) is b for t in templates)

    return match


def _bytes(value: Any) -> bytes | None:
    if isinstance(value, bytes):
        return value
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary(values: list[Any], _variables: bool) -> Match:
    # Policy values are base64 (the docs); so is a context value given as text.
    wanted = frozenset(b for b in (_bytes(v) for v in values) if b is not None)
    return lambda v, _ctx: _bytes(v) in wanted


def _ip(values: list[Any], _variables: bool) -> Match:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(str(value), strict=False))
        except ValueError:
            continue  # assumption, as for numbers: an unreadable range matches nothing

    def match(v: Any, _ctx: Mapping[str, Any]) -> bool:
        try:
            address = ipaddress.ip_address(str(v))
        except ValueError:
            return False
        return any(address in network for network in networks)

    return match


def arn_condition_glob(text: str) -> str:
    """ArnLike/ArnEquals: "each of the six colon-delimited components of the ARN is checked
    separately", each with ``*``/``?`` wildcards; the last one (the resource) may hold
    colons itself."""
    segments = text.split(":", 5)
    if len(segments) < 6:
        return "(?!)"  # not an ARN: matches nothing
    inner = [s.replace("*", "\0").replace("?", "\1") for s in segments]
    out = [re.escape(s).replace("\0", "[^:]*").replace("\1", "[^:]") for s in inner[:5]]
    out.append(re.escape(inner[5]).replace("\0", ".*").replace("\1", "."))
    return ":".join(out)


def _arn(values: list[Any], variables: bool) -> Match:
    fixed = [as_text(v) for v in values if not (variables and has_variables(as_text(v)))]
    regex = compiled("|".join(f"(?:{arn_condition_glob(v)})" for v in fixed)) if fixed else None
    # Assumption: a variable's value is inserted before the wildcards are read, so a
    # ${*} in an ARN condition value acts as a wildcard here.
    templates = [template(as_text(v)) for v in values if variables and has_variables(as_text(v))]

    def match(v: Any, ctx: Mapping[str, Any]) -> bool:
        text = as_text(v)
        if regex is not None and regex.fullmatch(text):
            return True
        for tmpl in templates:
            rendered = tmpl.render(ctx)
            if rendered is not None and compiled(arn_condition_glob(rendered)).fullmatch(text):
                return True
        return False

    return match


def _family(kind: str) -> Callable[[list[Any], bool], Match]:
    numeric = {
        "Equals": operator.eq,
        "LessThan": operator.lt,
        "LessThanEquals": operator.le,
        "GreaterThan": operator.gt,
        "GreaterThanEquals": operator.ge,
    }
    if kind == "String":
        return lambda values, variables: _strings(values, variables, fold=False)
    if kind == "StringIgnoreCase":
        return lambda values, variables: _strings(values, variables, fold=True)
    if kind == "StringLike":
        return _string_like
    if kind.startswith("Numeric"):
        op = numeric[kind[len("Numeric") :]]
        return lambda values, _variables: _compare(values, _number, op)
    if kind.startswith("Date"):
        op = numeric[kind[len("Date") :]]
        return lambda values, _variables: _compare(values, epoch, op)
    return {"Bool": _bool, "Binary": _binary, "Ip": _ip, "Arn": _arn}[kind]


# Every operator of the "Condition operators" page: name -> (family, negated). Policy
# variables are read in the values of the String, ARN and Bool operators only (the page's
# "Policy variables: Supported/Not supported" per family).
OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("String", False),
    "StringNotEquals": ("String", True),
    "StringEqualsIgnoreCase": ("StringIgnoreCase", False),
    "StringNotEqualsIgnoreCase": ("StringIgnoreCase", True),
    "StringLike": ("StringLike", False),
    "StringNotLike": ("StringLike", True),
    "NumericEquals": ("NumericEquals", False),
    "NumericNotEquals": ("NumericEquals", True),
    "NumericLessThan": ("NumericLessThan", False),
    "NumericLessThanEquals": ("NumericLessThanEquals", False),
    "NumericGreaterThan": ("NumericGreaterThan", False),
    "NumericGreaterThanEquals": ("NumericGreaterThanEquals", False),
    "DateEquals": ("DateEquals", False),
    "DateNotEquals": ("DateEquals", True),
    "DateLessThan": ("DateLessThan", False),
    "DateLessThanEquals": ("DateLessThanEquals", False),
    "DateGreaterThan": ("DateGreaterThan", False),
    "DateGreaterThanEquals": ("DateGreaterThanEquals", False),
    "Bool": ("Bool", False),
    "BinaryEquals": ("Binary", False),
    "IpAddress": ("Ip", False),
    "NotIpAddress": ("Ip", True),
    "ArnEquals": ("Arn", False),
    "ArnLike": ("Arn", False),
    "ArnNotEquals": ("Arn", True),
    "ArnNotLike": ("Arn", True),
    "Null": ("Null", False),
}
_TAKES_VARIABLES = {"String", "StringIgnoreCase", "StringLike", "Arn", "Bool"}
_SET_PREFIXES = {"ForAllValues:": "all", "ForAnyValue:": "any"}


def split_operator(name: str) -> tuple[str | None, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> ("any", "StringLike", True).

    Raises ``ConditionError`` for an operator IAM does not have. Assumption: operator names
    are case-sensitive, as written on the page (the docs do not say).
    """
    set_op = None
    base = name
    for prefix, op in _SET_PREFIXES.items():
        if base.startswith(prefix):
            set_op, base = op, base[len(prefix) :]
            break
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    # The page offers ...IfExists on "any condition operator except the Null condition".
    if base not in OPERATORS or (if_exists and base == "Null"):
        raise ConditionError(SYNTAX_ERROR, f"unknown condition operator {name}")
    return set_op, base, if_exists


def _is_value(value: Any) -> bool:
    return isinstance(value, (str, bool, int, float))


def compile_conditions(block: Any, variables: bool) -> tuple[Condition | NullCondition, ...]:
    """Every (operator, key) of a statement's Condition element, compiled.

    ``variables``: the policy is Version 2012-10-17, so ``${...}`` is a policy variable
    (literal text otherwise).
    """
    if not isinstance(block, dict):
        raise ConditionError(SYNTAX_ERROR, "Condition must be an object")
    out: list[Condition | NullCondition] = []
    for name, keys in block.items():
        set_op, base, if_exists = split_operator(name)
        if not isinstance(keys, dict):
            raise ConditionError(SYNTAX_ERROR, f"{name} must map condition keys to values")
        for key, value in keys.items():
            values = value if isinstance(value, list) else [value]
            if not all(_is_value(v) for v in values):
                raise ConditionError(
                    SYNTAX_ERROR, f"{name} {key}: a value must be a string, number or boolean"
                )
            if ":" not in key:
                raise ConditionError(VENDOR_ERROR, f"condition key {key} has no service prefix")
            family, negated = OPERATORS[base]
            lowered = key.lower()
            if family == "Null":
                want = tuple({b for b in (_boolean(v) for v in values) if b is not None})
                out.append(NullCondition(name, lowered, want))
                continue
            if family.startswith("Date"):
                _check_dates(name, key, values)
            take_variables = variables and family in _TAKES_VARIABLES
            match = _family(family)(values, take_variables)
            if if_exists:
                when_absent = True
            elif set_op is not None:
                when_absent = set_op == "all"
            else:
                when_absent = negated
            out.append(Condition(name, lowered, negated, set_op, when_absent, match))
    return tuple(out)


def _check_dates(name: str, key: str, values: list[Any]) -> None:
    # IAM refuses an unreadable date at parse time ("legacy parsing"); moto's check of it
    # is the one piece of moto's validator that reads condition values, and it is right.
    for value in values:
        try:
            IAMPolicyDocumentValidator._legacy_parse_date_condition_value(str(value))
        except Exception as err:
            raise ConditionError(LEGACY_ERROR, f"{name} {key}: {value!r} is not a date") from err
