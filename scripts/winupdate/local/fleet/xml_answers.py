"""Reading moto's XML answers to EC2's query API (the ``@after`` hooks see only the body)."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def texts_in(body: bytes, tag: str) -> list[str]:
    """The distinct texts of every ``tag`` element, in document order (namespaces ignored);
    none when the body is not XML."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return []
    found: list[str] = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == tag and element.text and element.text not in found:
            found.append(element.text)
    return found


def first_text_in(body: bytes, tag: str) -> str | None:
    """The first ``tag`` element's text (an id moto just made, e.g. ``imageId``)."""
    found = texts_in(body, tag)
    return found[0] if found else None
