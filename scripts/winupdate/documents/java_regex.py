"""``allowedPattern`` as AWS reads it: a Java regular expression.

documents-syntax-data-elements-parameters.md: "The first validation is performed using
the Java regex library at the API level". Java accepts what Python's ``re`` refuses
(``[\\w-\\/]``, ``\\p{L}``, ``\\uD800\\uDC00`` surrogate pairs, ``\\x{...}``, ``\\Q...\\E``),
so a pattern is translated into the syntax of the ``regex`` package, whose VERSION1
mode reads character classes as Java does (nested sets, ``&&``), and compiled there.

Where the translation is unsure it leans to accepting: a pattern Java would accept must
never be reported, and one Java refuses is reported when ``regex`` refuses it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

# Java's defaults: \w, \d, \s and case folding are ASCII-only unless a flag says otherwise.
_FLAGS = regex.V1 | regex.ASCII
# A default is a short string; a search that takes longer than this is a pattern built to
# backtrack forever, and is not held against the runbook (nor allowed to hang the validator).
MATCH_TIMEOUT_SECONDS = 0.25
# Longer patterns are not compiled: the validator's memory stays bounded on hostile input.
MAX_PATTERN_CHARS = 8192

# java.util.regex.Pattern's POSIX classes are US-ASCII only; written as sets so they
# work inside a class too (a nested set in VERSION1).
_POSIX = {
    "Lower": "[a-z]",
    "Upper": "[A-Z]",
    "ASCII": r"[\x00-\x7F]",
    "Alpha": "[a-zA-Z]",
    "Digit": "[0-9]",
    "Alnum": "[a-zA-Z0-9]",
    "Punct": r"[!-/:-@\[-`{-~]",
    "Graph": r"[!-~]",
    "Print": r"[ -~]",
    "Blank": r"[ \t]",
    "Cntrl": r"[\x00-\x1F\x7F]",
    "XDigit": "[0-9a-fA-F]",
    "Space": r"[ \t\n\x0B\f\r]",
}
# java.lang.Character methods (\p{javaLowerCase} ...) as Unicode properties.
_JAVA_CHARACTER = {
    "javaLowerCase": r"\p{Lowercase}",
    "javaUpperCase": r"\p{Uppercase}",
    "javaWhitespace": r"\p{White_Space}",
    "javaMirrored": r"\p{Bidi_Mirrored}",
    "javaLetter": r"\p{L}",
    "javaDigit": r"\p{Nd}",
    "javaLetterOrDigit": r"[\p{L}\p{Nd}]",
    "javaAlphabetic": r"\p{Alphabetic}",
    "javaIdeographic": r"\p{Ideographic}",
    "javaTitleCase": r"\p{Lt}",
    "javaSpaceChar": r"\p{Z}",
    "javaISOControl": r"[\x00-\x1F\x7F-\x9F]",
    "javaDefined": r"\P{Cn}",
}
_HORIZONTAL = r"[ \t\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000]"
_VERTICAL = r"[\n\x0B\f\r\x85\u2028\u2029]"
_INLINE_FLAGS = set("idmsuxU-")


class JavaPatternError(ValueError):
    """The pattern is not a Java regular expression; the message says why."""


@dataclass(frozen=True)
class JavaPattern:
    source: str
    compiled: regex.Pattern

    def accepts(self, value: str) -> bool | None:
        """Whether ``value`` matches; None when that cannot be told in time."""
        try:
            return self.compiled.search(value, timeout=MATCH_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            return None


@lru_cache(maxsize=1024)
def compile_java(pattern: str) -> JavaPattern | None:
    """The compiled pattern; None when it is too long to check. Raises JavaPatternError."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return None
    try:
        return JavaPattern(pattern, regex.compile(translate(pattern), _FLAGS))
    except regex.error as err:
        raise JavaPatternError(str(err)) from err


def translate(pattern: str) -> str:
    """``pattern`` (Java syntax) in the ``regex`` package's VERSION1 syntax."""
    out: list[str] = []
    index, in_class = 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            text, index = _escape(pattern, index + 1, in_class > 0)
            out.append(text)
            continue
        if char == "[":
            in_class += 1
        elif char == "]" and in_class:
            in_class -= 1
        elif char == "(" and not in_class and pattern.startswith("(?", index):
            text, index = _group_opening(pattern, index)
            out.append(text)
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _group_opening(pattern: str, index: int) -> tuple[str, int]:
    """Java's inline flags ``(?idmsux-idmsux)`` without the ones ``regex`` lacks (d, u, U)."""
    end = index + 2
    while end < len(pattern) and pattern[end] in _INLINE_FLAGS:
        end += 1
    if end < len(pattern) and pattern[end] in ":)" and end > index + 2:
        flags = "".join(c for c in pattern[index + 2 : end] if c not in "duU")
        if flags.strip("-"):
            return f"(?{flags.rstrip('-')}{pattern[end]}", end + 1
        return ("(?:" if pattern[end] == ":" else ""), end + 1
    return "(?", index + 2


def _escape(pattern: str, index: int, in_class: bool) -> tuple[str, int]:
    """One escape sequence starting after its backslash: (translation, index after it)."""
    if index >= len(pattern):
        raise JavaPatternError("the pattern ends with a lone backslash")
    char = pattern[index]
    if char == "u":
        code, after = _hex(pattern, index + 1, 4)
        if 0xD800 <= code <= 0xDBFF and pattern.startswith("\\u", after):
            low, past = _hex(pattern, after + 2, 4)
            if 0xDC00 <= low <= 0xDFFF:  # a UTF-16 surrogate pair is one code point
                return _char(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), past
        return _char(code), after
    if char == "x" and pattern.startswith("{", index + 1):
        end = pattern.find("}", index + 2)
        if end < 0:
            raise JavaPatternError("unclosed \\x{...}")
        code, _ = _hex(pattern[: end + 1], index + 2, end - index - 2)
        return _char(code), end + 1
    if char == "Q":
        end = pattern.find("\\E", index + 1)
        literal = pattern[index + 1 :] if end < 0 else pattern[index + 1 : end]
        after = len(pattern) if end < 0 else end + 2
        return "".join(_char(ord(c)) for c in literal), after
    if char in "pP":
        return _property(pattern, index)
    if char == "k" and pattern.startswith("<", index + 1):
        end = pattern.find(">", index + 2)
        if end < 0:
            raise JavaPatternError("unclosed \\k<name>")
        return f"(?P={pattern[index + 2 : end]})", end + 1
    if char == "0":
        end = index + 1
        while end < len(pattern) and end < index + 4 and pattern[end] in "01234567":
            end += 1
        digits = pattern[index + 1 : end]
        if not digits:
            raise JavaPatternError("illegal octal escape \\0")
        if len(digits) == 3 and digits[0] > "3":
            digits, end = digits[:2], end - 1
        return _char(int(digits, 8)), end
    if char == "c" and index + 1 < len(pattern):
        return _char(ord(pattern[index + 1]) ^ 64), index + 2
    simple = {
        "z": r"\Z",
        "e": r"\x1B",
        "h": _HORIZONTAL,
        "v": _VERTICAL,
        "Z": "" if in_class else r"(?=\n?\Z)",
        "R": "" if in_class else r"(?:\r\n|" + _VERTICAL + ")",
    }
    if simple.get(char):
        return simple[char], index + 1
    return "\\" + char, index + 1


def _property(pattern: str, index: int) -> tuple[str, int]:
    negated = pattern[index] == "P"
    if pattern.startswith("{", index + 1):
        end = pattern.find("}", index + 2)
        if end < 0:
            raise JavaPatternError("unclosed \\p{...}")
        name, after = pattern[index + 2 : end], end + 1
    else:
        name, after = pattern[index + 1 : index + 2], index + 2
    if name in _POSIX or name in _JAVA_CHARACTER:
        body = _POSIX.get(name) or _JAVA_CHARACTER[name]
        if not negated:
            return body, after
        if body.startswith("[") and body.endswith("]"):
            return "[^" + body[1:], after
        return "\\P" + body[2:], after
    if name.startswith("Is") and len(name) > 2:
        name = name[2:]  # \p{IsLatin}, \p{IsAlphabetic}: scripts and binary properties
    elif name.startswith("In") and len(name) > 2:
        name = "Block=" + name[2:]
    return ("\\P{" if negated else "\\p{") + name + "}", after


def _hex(pattern: str, index: int, count: int) -> tuple[int, int]:
    digits = pattern[index : index + count]
    if len(digits) != count or any(c not in "0123456789abcdefABCDEF" for c in digits):
        near = pattern[index - 2 : index + 4]
        raise JavaPatternError(f"illegal hexadecimal escape near {near!r}")
    return int(digits, 16), index + count


def _char(code: int) -> str:
    if code > 0x10FFFF:
        raise JavaPatternError(f"code point {code:#x} is beyond Unicode")
    if code < 0x80 and chr(code).isalnum():
        return chr(code)
    return f"\\U{code:08X}" if code > 0xFFFF else f"\\u{code:04X}"
