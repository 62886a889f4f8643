"""Validate runbooks: load every file, then run each check family over each document.

Checks see all the documents validated together (a runbook that starts another is
checked against it), so validate a set of runbooks in one call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from . import actions, apis, cross_document, flow, project_rules, structure, variables
from .context import Context
from .findings import ERROR, WARNING, Finding, severity_of
from .loader import LoadError, Source, load_file, load_text
from .render import module_root_of, render, template_variables

SUFFIXES = (".yaml", ".yml", ".json")
# Order matters only for reading: structure first, then what builds on it.
CHECKS = (
    structure.check,
    actions.check,
    apis.check,
    flow.check,
    variables.check,
    cross_document.check,
    project_rules.check,
)


@dataclass
class Report:
    files: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    def summary(self) -> str:
        files = "file" if self.files == 1 else "files"
        return f"{self.files} {files} checked: {self.errors} error(s), {self.warnings} warning(s)"


def runbook_files(paths: list[str | Path]) -> list[Path]:
    """The runbook files named by ``paths``: files as given, folders searched for *.yaml/json."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
            )
            if not found:
                raise UsageError(f"{path}: no .yaml, .yml or .json files in this folder")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return list(dict.fromkeys(files))


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def load_sources(files: list[Path], rendered: bool) -> tuple[list[Source], list[Finding]]:
    sources: list[Source] = []
    broken: list[Finding] = []
    variables_by_root: dict[Path, dict] = {}
    for file in files:
        shown = _shown(file)
        try:
            if rendered:
                root = module_root_of(file)
                if root not in variables_by_root:
                    variables_by_root[root] = template_variables(root)
                template_vars = variables_by_root[root]
                text = render(file.read_text(encoding="utf-8"), template_vars, shown)
                name = template_vars["document_names"].get(file.stem, file.stem)
                fmt = "JSON" if file.suffix.lower() == ".json" else "YAML"
                sources.append(load_text(text, shown, name, fmt))
            else:
                sources.append(load_file(file, shown))
        except LoadError as err:
            broken.append(
                Finding("WU101", severity_of("WU101"), shown, err.line, err.col, err.message)
            )
        except OSError as err:
            raise UsageError(f"{shown}: cannot read: {err.strerror}") from err
    return sources, broken


def validate_sources(sources: list[Source], rendered: bool = False) -> list[Finding]:
    ctx = Context.for_sources(sources, rendered)
    findings: list[Finding] = []
    for source in sources:
        for check in CHECKS:
            findings += check(source, ctx)
            if check is structure.check and not _is_runbook(source):
                break  # nothing further can be read from it
    return findings


def _is_runbook(source: Source) -> bool:
    data = source.data
    return (
        isinstance(data, dict)
        and isinstance(data.get("mainSteps"), list)
        and structure.other_kind(data) is None
    )


def validate_paths(paths: list[str | Path], rendered: bool = False) -> Report:
    """Validate every runbook under ``paths`` together; raises UsageError for bad paths."""
    files = runbook_files(paths)
    sources, broken = load_sources(files, rendered)
    findings = broken + validate_sources(sources, rendered)
    findings.sort(key=lambda f: (f.path, f.line, f.col, f.code))
    return Report(files=len(files), findings=findings)
