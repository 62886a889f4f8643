"""A small modelled PowerShell for ``aws:runPowerShellScript`` plugins.

The embedded AWS cannot run PowerShell. It models a documented subset, line by line, and
fails loudly on anything else, so that a hook that would do something the model cannot
show is never reported as a success it did not earn:

- ``Write-Output``, ``Write-Host``, ``echo`` of literal arguments (single-quoted,
  double-quoted without ``$`` or a backtick, or bare words): stdout lines. ``Write-Output``
  and ``echo`` write each argument on its own line (they write objects to the pipeline),
  ``Write-Host`` joins them with a space (its ``-Separator`` default).
- ``Write-Error <literal>``: a line on stderr. A non-terminating error: the script goes on
  and its exit code is unchanged, which is why Run Command reports such a script
  ``Success`` unless it exits non-zero. (PowerShell's error record adds position and
  category lines; the model writes the message only.)
- ``exit`` / ``exit N``: the script ends; N is the plugin's ResponseCode. Non-zero fails
  the plugin, and the agent adds ``failed to run commands: exit status N`` to stderr. The
  reboot codes (3010, 194: "Handling reboots when running commands") make the agent restart
  the instance, which this model does not do for scripts: they are refused as unsupported.
- ``Start-Sleep -Seconds N`` (also ``-s N``, ``N``, ``-Milliseconds N``): N modelled seconds
  pass.
- comments (``# …``, ``<# … #>`` on one line) and blank lines.

Any other line ends the plugin with ResponseCode 1 and the stderr line
``<line>: not supported by the embedded AWS (modelled PowerShell: …)``.

Each entry of ``runCommand`` may hold several lines (a YAML block, a ``commands`` value
with newlines): they are split, as the agent writes them all to one ``_script.ps1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED = "Write-Output, Write-Host, echo, Write-Error, Start-Sleep, exit"
UNSUPPORTED = f"not supported by the embedded AWS (modelled PowerShell: {SUPPORTED})"
#: Exit codes that ask the agent to reboot the instance (and, for 3010, to run the script
#: again): not modelled for scripts.
REBOOT_CODES = {3010, 194}

_OUTPUT = {"write-output": "lines", "echo": "lines", "write-host": "joined"}
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"[^"]*"|[^\s'"]+""")
_BARE = re.compile(r"[A-Za-z0-9_.,:/\\=+@%!?-]+")
_INT = re.compile(r"[+-]?\d+")


@dataclass
class Line:
    """One line the script wrote, ``at`` modelled seconds after it started."""

    at: float
    text: str


@dataclass
class Outcome:
    """What a modelled script did."""

    stdout: list[Line] = field(default_factory=list)
    stderr: list[Line] = field(default_factory=list)
    exit_code: int = 0
    #: Modelled seconds the script ran (its Start-Sleeps).
    seconds: float = 0.0

    def text(self, stream: str, until: float | None = None) -> str:
        """The stream's text as the agent collects it, lines written by ``until``."""
        lines = self.stdout if stream == "stdout" else self.stderr
        return "".join(f"{line.text}\n" for line in lines if until is None or line.at <= until)


class Unsupported(Exception):
    """A line the model does not run."""


def script_lines(run_command: Any) -> list[str]:
    """``runCommand`` (a list of entries, or one string) as the script's lines."""
    entries = run_command if isinstance(run_command, list) else [run_command]
    lines: list[str] = []
    for entry in entries:
        lines.extend(str(entry).splitlines() or [""])
    return lines


def run(lines: list[str]) -> Outcome:
    """Run the script's ``lines`` in the model."""
    outcome = Outcome()
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or _is_block_comment(line):
            continue
        try:
            if _step(line, outcome):
                break
        except Unsupported:
            outcome.stderr.append(Line(outcome.seconds, f"{line}: {UNSUPPORTED}"))
            outcome.exit_code = 1
            break
    if outcome.exit_code != 0:
        outcome.stderr.append(
            Line(outcome.seconds, f"failed to run commands: exit status {outcome.exit_code}")
        )
    return outcome


def _is_block_comment(line: str) -> bool:
    return line.startswith("<#") and line.endswith("#>")


def _step(line: str, outcome: Outcome) -> bool:
    """Run one line; True when the script ends there."""
    tokens = _tokens(line)
    verb, args = tokens[0].lower(), tokens[1:]
    if verb in _OUTPUT:
        if not args:
            raise Unsupported
        values = [_literal(a) for a in args]
        texts = values if _OUTPUT[verb] == "lines" else [" ".join(values)]
        outcome.stdout.extend(Line(outcome.seconds, t) for t in texts)
        return False
    if verb == "write-error":
        if len(args) != 1:
            raise Unsupported
        outcome.stderr.append(Line(outcome.seconds, _literal(args[0])))
        return False
    if verb == "start-sleep":
        outcome.seconds += _sleep_seconds(args)
        return False
    if verb == "exit":
        if len(args) > 1 or (args and not _INT.fullmatch(args[0])):
            raise Unsupported
        code = int(args[0]) if args else 0
        if code in REBOOT_CODES:
            raise Unsupported
        outcome.exit_code = code
        return True
    raise Unsupported


def _tokens(line: str) -> list[str]:
    # Pipelines, statements and sub-expressions are out of the model: refuse them whole
    # rather than run half a line.
    if any(c in line for c in ";|&(){}$`"):
        stripped = re.sub(r"'(?:[^']|'')*'", "", line)
        if any(c in stripped for c in ";|&(){}$`"):
            raise Unsupported
    tokens = _TOKEN.findall(line)
    if re.sub(r"\s", "", "".join(tokens)) != re.sub(r"\s", "", line):
        raise Unsupported  # an unbalanced quote
    return tokens


def _literal(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == "'":
        return token[1:-1].replace("''", "'")
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1]
    if _BARE.fullmatch(token) and not token.startswith("-"):
        return token
    raise Unsupported


def _sleep_seconds(args: list[str]) -> float:
    if len(args) == 1 and _INT.fullmatch(args[0]):
        value, unit = args[0], 1.0
    elif len(args) == 2 and args[0].lower() in ("-seconds", "-s"):
        value, unit = args[1], 1.0
    elif len(args) == 2 and args[0].lower() in ("-milliseconds", "-m"):
        value, unit = args[1], 0.001
    else:
        raise Unsupported
    if not _INT.fullmatch(value) or int(value) < 0:
        raise Unsupported
    return int(value) * unit
