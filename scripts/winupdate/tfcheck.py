"""Static checks of the Terraform module, as CI runs them: ``python -m winupdate.tfcheck``.

1. ``terraform fmt -check -recursive``;
2. the inputs/outputs tables in README.md and modules/*/README.md match the
   variables.tf / outputs.tf beside them (``--write-docs`` regenerates them);
3. ``terraform init`` + ``validate`` of the root module and of every example;
4. ``terraform test`` of the root module (mock providers: no credentials needed);
5. checkov on the module, installed on demand into its own ``.venv-checkov``
   (its pinned dependencies would clash with moto/boto3 in the project venv); a failed
   check, a file checkov could not parse, or a skip without a reason fails.

Terraform runs with ``cli_config_env()``, so an offline machine uses the provider
mirror. Working directories (``TF_DATA_DIR``) live in a temporary folder and lock
files that init creates are removed, so nothing is cached in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from winupdate.terraform import cli_config_env

ROOT = Path(__file__).resolve().parents[2]
CHECKOV_VERSION = "3.2.533"
CHECKOV_VENV = ".venv-checkov"
DOCS_BEGIN = "<!-- BEGIN_TF_DOCS -->"
DOCS_END = "<!-- END_TF_DOCS -->"


@dataclass
class Result:
    """One check: its name, whether it passed, a one-line detail and the output on failure."""

    name: str
    ok: bool
    detail: str
    output: str = ""
    seconds: float = 0.0


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600):
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


# --- README tables -------------------------------------------------------------------


def _blocks(text: str, kind: str) -> list[tuple[str, str]]:
    """Top-level ``kind "name" { ... }`` blocks of a formatted .tf file, as (name, body)."""
    found = []
    for match in re.finditer(rf'^{kind} "([^"]+)" \{{\n(.*?)^\}}', text, re.M | re.S):
        found.append((match.group(1), match.group(2)))
    return found


def _attributes(body: str) -> dict[str, str]:
    """The block's own attributes (two-space indent) with their raw, possibly multi-line value."""
    attrs: dict[str, str] = {}
    current = None
    for line in body.splitlines():
        match = re.match(r"^  (\w+)\s*=\s*(.*)$", line)
        if match:
            current = match.group(1)
            attrs[current] = match.group(2)
        elif re.match(r"^  \w+\s*\{", line):
            current = None  # a nested block (validation, ...)
        elif current and (line.startswith("   ") or line.strip() in ("}", ")", "})", "]")):
            attrs[current] += "\n" + line
    return attrs


def _string(raw: str) -> str:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.strip('"')


def _short(raw: str, limit: int = 60) -> str:
    one_line = " ".join(part.strip() for part in raw.splitlines())
    if "\n" not in raw or len(one_line) <= limit:
        return one_line
    return raw.split("(")[0].strip() + "(...)" if "(" in raw else "see source"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def docs_table(module: Path) -> str:
    """The markdown inputs and outputs tables of a module, generated from its .tf files."""
    lines = ["### Inputs", "", "| name | description | type | default |", "|---|---|---|---|"]
    variables = _blocks((module / "variables.tf").read_text(), "variable")
    for name, body in variables:
        attrs = _attributes(body)
        default = f"`{_cell(_short(attrs['default']))}`" if "default" in attrs else "required"
        lines.append(
            f"| `{name}` | {_cell(_string(attrs.get('description', '')))} "
            f"| `{_cell(_short(attrs.get('type', 'any')))}` | {default} |"
        )
    lines += ["", "### Outputs", "", "| name | description |", "|---|---|"]
    for name, body in _blocks((module / "outputs.tf").read_text(), "output"):
        attrs = _attributes(body)
        lines.append(f"| `{name}` | {_cell(_string(attrs.get('description', '')))} |")
    return "\n".join(lines)


def _doc_modules(root: Path) -> list[Path]:
    return [root, *sorted(p for p in (root / "modules").iterdir() if p.is_dir())]


def check_docs(root: Path, write: bool) -> Result:
    """Every module README's generated section must equal what its .tf files say."""
    stale = []
    for module in _doc_modules(root):
        readme = module / "README.md"
        text = readme.read_text() if readme.exists() else ""
        if DOCS_BEGIN not in text or DOCS_END not in text:
            stale.append(f"{readme.relative_to(root)}: no {DOCS_BEGIN} ... {DOCS_END} section")
            continue
        head, rest = text.split(DOCS_BEGIN, 1)
        _, tail = rest.split(DOCS_END, 1)
        fresh = f"{head}{DOCS_BEGIN}\n{docs_table(module)}\n{DOCS_END}{tail}"
        if fresh != text:
            if write:
                readme.write_text(fresh)
            else:
                stale.append(str(readme.relative_to(root)))
    if stale:
        return Result(
            "docs",
            False,
            f"{len(stale)} README table(s) out of date with variables.tf/outputs.tf",
            "\n".join(stale) + "\nrun: python -m winupdate.tfcheck --write-docs",
        )
    return Result("docs", True, f"{len(_doc_modules(root))} README tables match")


# --- Terraform -----------------------------------------------------------------------


def check_fmt(root: Path, env: dict[str, str]) -> Result:
    proc = _run(["terraform", "fmt", "-check", "-recursive", "-no-color"], root, env)
    if proc.returncode != 0:
        files = proc.stdout.split()
        return Result(
            "fmt", False, f"{len(files)} file(s) need terraform fmt", proc.stdout + proc.stderr
        )
    return Result("fmt", True, "all files formatted")


def _tf_env(base: dict[str, str], data_dir: Path) -> dict[str, str]:
    env = dict(base)
    env["TF_DATA_DIR"] = str(data_dir)
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    return env


def _init(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    cmd = ["terraform", "init", "-backend=false", "-input=false", "-no-color"]
    return _run(cmd, config, env)


def _label(root: Path, config: Path) -> str:
    return f"validate {config.relative_to(root) if config != root else '.'}"


def check_config(root: Path, config: Path, base_env: dict[str, str], scratch: Path) -> list[Result]:
    """``init`` + ``validate`` of one root module (and ``terraform test`` of the root).

    The working directory is a scratch TF_DATA_DIR; a lock file that init had to
    create is removed afterwards, so the checkout stays as it was.
    """
    name = _label(root, config)
    env = _tf_env(base_env, scratch / re.sub(r"\W", "_", name))
    lock = config / ".terraform.lock.hcl"
    had_lock = lock.exists()
    try:
        start = time.monotonic()
        init = _init(config, env)
        if init.returncode != 0:
            return [Result(name, False, "terraform init failed", init.stdout + init.stderr)]
        proc = _run(["terraform", "validate", "-no-color"], config, env)
        ok = proc.returncode == 0
        results = [
            Result(name, ok, "valid" if ok else "invalid", proc.stdout + proc.stderr),
        ]
        results[0].seconds = time.monotonic() - start
        if config == root:
            results.append(_timed(check_test, root, env))
        return results
    finally:
        if not had_lock and lock.exists():
            lock.unlink()


def check_test(root: Path, env: dict[str, str]) -> Result:
    """``terraform test`` of the root module over test/terraform (mock providers)."""
    cmd = ["terraform", "test", "-test-directory=test/terraform", "-no-color"]
    proc = _run(cmd, root, env, 900)
    out = proc.stdout + proc.stderr
    summary = re.search(r"(\d+) passed, (\d+) failed(?:, (\d+) skipped)?", out)
    detail = summary.group(0) if summary else "no summary"
    return Result("test", proc.returncode == 0, detail, out)


# --- checkov -------------------------------------------------------------------------


def checkov_binary(root: Path) -> Path:
    """checkov from its own virtual environment, created from PyPI on first use."""
    venv = root / CHECKOV_VENV
    binary = venv / "bin" / "checkov"
    stamp = venv / f".checkov-{CHECKOV_VERSION}"
    if binary.exists() and stamp.exists():
        return binary
    print(f"tfcheck: installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV}/ ...", flush=True)
    python = shutil.which("python3") or sys.executable
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", f"checkov=={CHECKOV_VERSION}"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    stamp.touch()
    return binary


def checkov_verdict(reports: list[dict] | dict) -> Result:
    """Judge checkov's JSON report(s): a failed check, a file checkov could not parse, or a
    skip without a reason fails.

    checkov counts a file it cannot parse (or parses past its time limit) under
    ``parsing_errors`` and scans nothing of it, so a clean "0 failed" would hide every
    resource of that file. A ``checkov:skip=ID`` without ``:reason`` hides a check for no
    stated cause.
    """
    if isinstance(reports, dict):
        reports = [reports]
    passed = failed = skipped = unparsed = 0
    problems = []
    for report in reports:
        summary = report.get("summary", {})
        passed += summary.get("passed", 0)
        failed += summary.get("failed", 0)
        skipped += summary.get("skipped", 0)
        results = report.get("results", {})
        files = results.get("parsing_errors") or []
        unparsed += max(summary.get("parsing_errors", 0), len(files))
        for path in files:
            problems.append(f"checkov could not parse {path}: none of its resources was scanned")
        for check in results.get("failed_checks", []):
            problems.append(
                f"{check['check_id']} {check['resource']} ({check['file_path']}): "
                f"{check['check_name']}"
            )
        for check in results.get("skipped_checks", []):
            reason = (check.get("check_result") or {}).get("suppress_comment") or ""
            if not reason.strip() or reason.strip() == "No comment provided":
                problems.append(
                    f"{check['check_id']} {check['resource']} ({check.get('file_path', '?')}): "
                    "skipped without a reason (write checkov:skip=ID:why)"
                )
    if unparsed and not any(p.startswith("checkov could not parse") for p in problems):
        problems.append(f"checkov could not parse {unparsed} file(s) (run it without --quiet)")
    detail = f"{passed} passed, {failed} failed, {skipped} skipped, {unparsed} not parsed"
    return Result("checkov", not problems, detail, "\n".join(problems))


def check_checkov(root: Path) -> Result:
    """checkov over the root module and its submodules (examples and tests excluded)."""
    try:
        binary = checkov_binary(root)
    except subprocess.CalledProcessError as error:
        return Result("checkov", False, "could not install checkov", str(error.stderr or error))
    # Not --quiet: the report then lists the files checkov could not parse and the skips.
    cmd = [str(binary), "--directory", str(root), "--framework", "terraform", "--output", "json"]
    cmd += ["--compact", "--skip-download"]
    for skipped in ("examples", "test", ".venv", CHECKOV_VENV, ".terraform"):
        cmd += ["--skip-path", skipped]
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    proc = _run(cmd, root, env, 600)
    try:
        reports = json.loads(proc.stdout or "[]")
    except ValueError:
        return Result("checkov", False, "unreadable checkov output", proc.stdout + proc.stderr)
    verdict = checkov_verdict(reports)
    if proc.returncode not in (0, 1):
        verdict.ok = False
        verdict.output = f"checkov exited {proc.returncode}\n{verdict.output}{proc.stderr[-2000:]}"
    return verdict


# --- main ----------------------------------------------------------------------------


def _timed(fn, *args) -> Result:
    start = time.monotonic()
    result = fn(*args)
    result.seconds = time.monotonic() - start
    return result


def run_checks(root: Path, skip_checkov: bool = False, write_docs: bool = False) -> list[Result]:
    """Every check, the slow ones in parallel; results in a stable order."""
    if shutil.which("terraform") is None:
        return [Result("terraform", False, "terraform is not on PATH")]
    env = cli_config_env()
    configs = [root, *sorted(p for p in (root / "examples").iterdir() if p.is_dir())]
    with tempfile.TemporaryDirectory(prefix="winupdate-tfcheck-") as tmp:
        scratch = Path(tmp)
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [
                pool.submit(lambda: [_timed(check_fmt, root, env)]),
                pool.submit(lambda: [_timed(check_docs, root, write_docs)]),
            ]
            futures += [pool.submit(check_config, root, config, env, scratch) for config in configs]
            if not skip_checkov:
                futures.append(pool.submit(lambda: [_timed(check_checkov, root)]))
            return [result for future in futures for result in future.result()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m winupdate.tfcheck", description=__doc__)
    parser.add_argument("--skip-checkov", action="store_true", help="skip the checkov scan")
    parser.add_argument(
        "--write-docs", action="store_true", help="regenerate the README inputs/outputs tables"
    )
    args = parser.parse_args(argv)
    results = run_checks(ROOT, skip_checkov=args.skip_checkov, write_docs=args.write_docs)
    for result in results:
        if not result.ok and result.output:
            print(f"----- {result.name} -----\n{result.output.strip()}\n")
    print("tfcheck summary:")
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        print(f"  {mark} {result.name:<28} {result.detail} ({result.seconds:.0f}s)")
    failed = [r for r in results if not r.ok]
    print(f"tfcheck: {len(results) - len(failed)}/{len(results)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
