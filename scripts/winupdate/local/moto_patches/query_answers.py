"""Our own answers to query-protocol operations (EC2's XML), rendered by moto's serializer.

An ``@operation`` handler of ours for an operation moto lacks (CreateReplaceRootVolumeTask)
returns a dict shaped as botocore's output shape; moto's serializer for the service's
protocol turns it into the XML AWS sends (element names, ``item`` lists, timestamps), the
same code that renders moto's own answers, so ours cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from moto.core.serialize import XFormedAttributePicker, get_serializer_class
from moto.core.utils import get_service_model


def serialize(service: str, operation: str, result: dict[str, Any]) -> tuple[int, dict, str]:
    """(status, headers, body) of ``result`` as ``service``'s ``operation`` answers it."""
    model = get_service_model(service)
    serializer_cls = get_serializer_class(service, model.protocol)
    serializer = serializer_cls(
        operation_model=model.operation_model(operation),
        value_picker=XFormedAttributePicker(),
    )
    serialized = serializer.serialize(result)
    return serialized["status_code"], dict(serialized["headers"]), serialized["body"]
