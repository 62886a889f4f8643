"""Bounds on document content, checked before anything walks the parsed data.

Shared by the validator (``documents.loader``) and the embedded AWS's CreateDocument
(``local.automation.runbook``): both read text that a user, or a hostile one, wrote.

- Size: CreateDocument's ``Content`` "must not exceed 64KB" (SSM API reference,
  CreateDocument, Content; the MaxDocumentSizeExceeded error: "The size limit of a
  document is 64 KB"). AWS does not say what it measures. Its own runbooks
  AWSEC2-CloneInstanceAndUpgradeSQLServer and -Windows are served as 79,452 and 74,998
  bytes of indented JSON, which AWS accepted; written without whitespace they are 57,538
  and 54,732. So the limit is applied to the content as compact JSON (65,536 bytes of
  UTF-8), and the text itself is only bounded for memory (MAX_TEXT_BYTES, four times
  that) before it is parsed.
- Nesting: AWS documents no depth limit. We assume one (MAX_DEPTH): the module's runbooks
  nest 9 levels deep, and without a bound PyYAML's composer and ``json`` recurse until
  Python's recursion limit (a RecursionError traceback) on a few kilobytes of brackets.
- Aliases: YAML aliases share one node, so ``&a [*b, *b, ...]`` nine times over is a few
  hundred bytes that anything walking the data expands a billion times (the "billion
  laughs"). AWS documents nothing about aliases; we allow them, but refuse content whose
  aliases expand to more nodes than 64 KB of text could spell out without them
  (MAX_NODES), and an alias that refers to a node containing it (a loop).
"""

from __future__ import annotations

import json
import re

import yaml

MAX_CONTENT_BYTES = 64 * 1024
# What is read and parsed at all: whitespace and comments cannot make up four times the
# content, so text over this is refused unparsed (the document would be too large anyway).
MAX_TEXT_BYTES = 4 * MAX_CONTENT_BYTES
MAX_DEPTH = 64
# The most nodes 64 KB of YAML or JSON can spell out without aliases is one per two bytes
# ("[0,0,0,...]"); anything that expands to more is made of aliases.
MAX_NODES = MAX_CONTENT_BYTES // 2


class ContentError(ValueError):
    """The content breaks a bound; ``line``/``col`` (1-based) say where."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


class ContentTooLarge(ContentError):
    """Over AWS's document size limit (AWS answers MaxDocumentSizeExceeded)."""


def check_size(text: str) -> None:
    """Refuse text too large to be parsed (MAX_TEXT_BYTES)."""
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise ContentTooLarge(too_large_message(size))


def check_content_size(data: object) -> None:
    """Refuse parsed content over AWS's 64 KB limit, measured as compact JSON."""
    size = len(
        json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
    )
    if size > MAX_CONTENT_BYTES:
        raise ContentTooLarge(too_large_message(size))


def too_large_message(size: int | None = None) -> str:
    what = f"{size} bytes" if size is not None else "more than 64 KB"
    return (
        f"the document content is {what} as compact JSON; AWS refuses content over 64 KB "
        f"({MAX_CONTENT_BYTES} bytes)"
    )


def _too_deep(line: int, col: int) -> ContentError:
    return ContentError(f"the content nests deeper than {MAX_DEPTH} levels", line, col)


class BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses deep nesting while it composes, and whose
    :meth:`checked_node` refuses alias bombs before anything constructs or walks the data."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _too_deep(mark.line + 1, mark.column + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def checked_node(self) -> yaml.Node | None:
        """The document's node graph, once its expansion is known to be bounded."""
        node = self.get_single_node()
        if node is not None:
            _Expansion().measure(node, 1)
        return node


class _Expansion:
    """Size and depth of a node graph as if every alias were written out, computed once per
    distinct node: linear in the text, however far the aliases would expand."""

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.heights: dict[int, int] = {}
        self.open: set[int] = set()

    def measure(self, node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in self.sizes:
            # A shared node used deeper than where it was measured reaches deeper.
            if depth + self.heights[key] - 1 > MAX_DEPTH:
                raise _too_deep(node.start_mark.line + 1, node.start_mark.column + 1)
            return self.sizes[key]
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if depth > MAX_DEPTH:
            raise _too_deep(line, col)
        if key in self.open:
            raise ContentError("an alias refers to a node that contains it (a loop)", line, col)
        self.open.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        size, height = 1, 1
        for child in children:
            size += self.measure(child, depth + 1)
            height = max(height, 1 + self.heights[id(child)])
            if size > MAX_NODES:
                raise ContentError(
                    f"the content's aliases expand to more than {MAX_NODES} nodes (an alias bomb?)",
                    line,
                    col,
                )
        self.open.discard(key)
        self.sizes[key] = size
        self.heights[key] = height
        return size


def safe_load(text: str) -> object:
    """``yaml.safe_load`` within the bounds (size, nesting, alias expansion)."""
    check_size(text)
    loader = BoundedSafeLoader(text)
    try:
        node = loader.checked_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    check_content_size(data)
    return data


# A JSON string (escapes included) or a bracket: what nesting is counted from.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def check_json_depth(text: str) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH before ``json`` recurses into it.

    Counts brackets outside strings in one pass; text that is not JSON is left to the
    parser to report.
    """
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                raise _too_deep(line, col)
        elif token in "]}":
            depth -= 1
