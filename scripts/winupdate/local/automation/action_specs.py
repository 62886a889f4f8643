"""Every Automation action of the AWS reference, with its inputs and outputs (placeholder)."""

from __future__ import annotations

from .registry import ActionSpec

ACTION_SPECS: dict[str, ActionSpec] = {}
