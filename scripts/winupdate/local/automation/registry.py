"""The one registry of Automation actions, read by the runtime and by the validator.

``ACTION_SPECS`` (in ``action_specs.py``) declares every action of the AWS
Automation actions reference: its inputs (required or optional, with types) and
the outputs it produces. The runtime registers an implementation per action with
``@implements("aws:name")``; an action with a spec but no implementation is known
to the validator and fails its step at run time as "not supported by the embedded AWS".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Types of inputs and outputs as the reference names them. "Any" accepts every value.
INPUT_TYPES = frozenset(
    {"String", "Integer", "Boolean", "StringList", "StringMap", "MapList", "Any"}
)


@dataclass(frozen=True)
class Input:
    name: str
    type: str = "String"
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Output:
    name: str
    type: str = "String"


@dataclass(frozen=True)
class ActionSpec:
    """What the reference says of one action.

    ``extra_inputs``: the action passes inputs it does not declare through (the
    request parameters of ``aws:executeAwsApi``, for instance); the validator checks
    those against botocore's model instead.
    """

    name: str
    inputs: tuple[Input, ...] = ()
    outputs: tuple[Output, ...] = ()
    extra_inputs: bool = False
    reference: str = ""  # file name of the reference page in the SSM user guide
    notes: str = ""

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)

    @property
    def required_inputs(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs if i.required)


@dataclass
class _Implementations:
    by_action: dict[str, Any] = field(default_factory=dict)


_IMPLEMENTATIONS = _Implementations()


def implements(action: str) -> Callable[[Any], Any]:
    """Class decorator: register the runtime's implementation of ``action``."""

    def register(cls: Any) -> Any:
        if action not in specs():
            raise KeyError(f"{action} is not in the action registry")
        _IMPLEMENTATIONS.by_action[action] = cls
        cls.action = action
        return cls

    return register


def specs() -> dict[str, ActionSpec]:
    from .action_specs import ACTION_SPECS

    return ACTION_SPECS


def spec(action: str) -> ActionSpec | None:
    return specs().get(action)


def implementation(action: str) -> Any | None:
    _load_implementations()
    return _IMPLEMENTATIONS.by_action.get(action)


def executable_actions() -> set[str]:
    _load_implementations()
    return set(_IMPLEMENTATIONS.by_action)


def _load_implementations() -> None:
    from . import actions  # noqa: F401  (importing the package registers every action)
