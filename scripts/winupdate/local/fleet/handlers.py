"""Import every fleet module that registers operations, hooks or controls."""

from . import (
    agents,
    command_responses,
    controls,
    images,
    instances,
    owned_documents,
    public_parameters,
    root_volumes,
    volumes,
)

__all__ = [
    "agents",
    "command_responses",
    "controls",
    "images",
    "instances",
    "owned_documents",
    "public_parameters",
    "root_volumes",
    "volumes",
]
