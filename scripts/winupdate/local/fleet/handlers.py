"""Import every fleet module that registers operations, hooks or controls."""

from . import agents, controls, images, instances, owned_documents, public_parameters, run_command

__all__ = [
    "agents",
    "controls",
    "images",
    "instances",
    "owned_documents",
    "public_parameters",
    "run_command",
]
