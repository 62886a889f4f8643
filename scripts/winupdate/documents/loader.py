"""Load a runbook from YAML or JSON and remember where every key and value is.

Findings name the line and column of the source, so the loader keeps two maps
from a path into the data (``("mainSteps", 2, "inputs", "Api")``) to a 1-based
(line, column): one for mapping keys, one for values. YAML goes through PyYAML's
composer (so scalars resolve exactly as ``yaml.safe_load`` resolves them); JSON is
parsed by ``json`` and then scanned once more for positions, because PyYAML does not
read every JSON file (tabs, ``\\/`` escapes).

Content over AWS's size limit, nested too deep, or whose YAML aliases expand too far is
refused before it is walked (``content_limits``): a few hundred bytes of aliases would
otherwise expand into gigabytes here.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from pathlib import Path
from typing import Any

import yaml

from ..content_limits import (
    MAX_TEXT_BYTES,
    BoundedSafeLoader,
    ContentError,
    check_content_size,
    check_json_depth,
    check_size,
    too_large_message,
)
from .findings import Finding, severity_of

DataPath = tuple[str | int, ...]
Position = tuple[int, int]


class LoadError(ValueError):
    """The text does not parse; ``line``/``col`` say where (1-based)."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass
class Source:
    """One runbook: its data, where each part of it is, and the name others call it by."""

    path: str
    name: str
    text: str
    format: str
    data: Any
    keys: dict[DataPath, Position] = field(default_factory=dict)
    values: dict[DataPath, Position] = field(default_factory=dict)
    duplicates: list[tuple[DataPath, Position]] = field(default_factory=list)

    def pos(self, where: DataPath, value: bool = False) -> Position:
        """Where ``where`` is (its key, or its value when ``value``), else its nearest parent."""
        first, second = (self.values, self.keys) if value else (self.keys, self.values)
        while True:
            for table in (first, second):
                if where in table:
                    return table[where]
            if not where:
                return (1, 1)
            where = where[:-1]

    def finding(self, code: str, where: DataPath, message: str, hint: str = "") -> Finding:
        line, col = self.pos(where)
        return Finding(code, severity_of(code), self.path, line, col, message, hint)

    def value_finding(self, code: str, where: DataPath, message: str, hint: str = "") -> Finding:
        line, col = self.pos(where, value=True)
        return Finding(code, severity_of(code), self.path, line, col, message, hint)


def load_file(path: Path, shown_as: str | None = None, name: str | None = None) -> Source:
    # Read no more than the limit allows: a huge file is refused without being held.
    with path.open("rb") as file:
        raw = file.read(MAX_TEXT_BYTES + 1)
    if len(raw) > MAX_TEXT_BYTES:
        raise LoadError(too_large_message())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LoadError(f"not UTF-8 text: {err.reason}") from err
    return load_text(text, shown_as or str(path), name or path.stem, _format_of(path))


def _format_of(path: Path) -> str:
    return "JSON" if path.suffix.lower() == ".json" else "YAML"


def load_text(text: str, shown_as: str, name: str, document_format: str = "YAML") -> Source:
    """Parse ``text``; raises LoadError with the position of a syntax error."""
    source = Source(shown_as, name, text, document_format, None)
    try:
        check_size(text)
        if document_format == "JSON":
            _load_json(source)
        else:
            _load_yaml(source)
        check_content_size(source.data)
    except ContentError as err:
        raise LoadError(err.message, err.line, err.col) from err
    return source


# --- YAML --------------------------------------------------------------------------


class _PositionLoader(BoundedSafeLoader):
    """SafeLoader whose constructed data we build ourselves, recording node marks."""


def _mark(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _load_yaml(source: Source) -> None:
    loader = _PositionLoader(source.text)
    try:
        node = loader.checked_node()
        source.data = _build(loader, node, (), source) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = err.problem or err.context or "syntax error"
        raise LoadError(f"not valid YAML: {problem}", line, col) from err
    except yaml.YAMLError as err:
        raise LoadError(f"not valid YAML: {err}") from err
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, where: DataPath, source: Source) -> Any:
    source.values.setdefault(where, _mark(node))
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves "<<" merge keys as safe_load does
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise LoadError("a mapping key must be a scalar", *_mark(key_node))
            child = (*where, key)
            if key in result:
                source.duplicates.append((child, _mark(key_node)))
            source.keys[child] = _mark(key_node)
            source.values.pop(child, None)
            result[key] = _build(loader, value_node, child, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, (*where, index), source) for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


# --- JSON --------------------------------------------------------------------------

_LITERAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _load_json(source: Source) -> None:
    check_json_depth(source.text)
    try:
        source.data = json.loads(source.text)
    except json.JSONDecodeError as err:
        raise LoadError(f"not valid JSON: {err.msg}", err.lineno, err.colno) from err
    _JsonPositions(source).scan()


class _JsonPositions:
    """Walks text that ``json.loads`` accepted, recording where each key and value starts."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.text = source.text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def position(self, index: int) -> Position:
        line = bisect.bisect_right(self.line_starts, index)
        return (line, index - self.line_starts[line - 1] + 1)

    def skip(self, index: int) -> int:
        return _WHITESPACE.match(self.text, index).end()

    def scan(self) -> None:
        self.value(self.skip(0), ())

    def value(self, index: int, where: DataPath) -> int:
        self.source.values.setdefault(where, self.position(index))
        char = self.text[index]
        if char == "{":
            return self.members(index + 1, where)
        if char == "[":
            return self.items(index + 1, where)
        if char == '"':
            return scanstring(self.text, index + 1)[1]
        return _LITERAL.match(self.text, index).end()

    def members(self, index: int, where: DataPath) -> int:
        seen: set[str] = set()
        index = self.skip(index)
        while self.text[index] != "}":
            key, after = scanstring(self.text, index + 1)
            child = (*where, key)
            if key in seen:
                self.source.duplicates.append((child, self.position(index)))
            seen.add(key)
            self.source.keys[child] = self.position(index)
            colon = self.skip(after)
            index = self._next(self.value(self.skip(colon + 1), child))
        return index + 1

    def items(self, index: int, where: DataPath) -> int:
        count = 0
        index = self.skip(index)
        while self.text[index] != "]":
            index = self._next(self.value(index, (*where, count)))
            count += 1
        return index + 1

    def _next(self, index: int) -> int:
        """From the end of an element to the start of the next one, or to the closer."""
        index = self.skip(index)
        return self.skip(index + 1) if self.text[index] == "," else index
