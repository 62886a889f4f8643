"""The ``winupdate`` command."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .errors import WinUpdateError


def _cmd_local(args: argparse.Namespace) -> int:
    from .local.server import EmbeddedAws

    aws = EmbeddedAws(port=args.port, speed=args.speed)
    try:
        endpoint = aws.start()
    except OSError as err:
        raise WinUpdateError(f"cannot listen on 127.0.0.1:{args.port}: {err.strerror}") from err
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"embedded AWS ready: AWS_ENDPOINT_URL={endpoint} (speed x{args.speed:g})", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        aws.stop()
        print("embedded AWS stopped", flush=True)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    import json

    from .documents.validate import validate_paths

    report = validate_paths(args.paths, rendered=args.rendered)
    if args.format == "json":
        summary = {"files": report.files, "errors": report.errors, "warnings": report.warnings}
        findings = [f.as_dict() for f in report.findings]
        print(json.dumps({"findings": findings, "summary": summary}, indent=2, ensure_ascii=False))
    else:
        for finding in report.findings:
            print(finding.as_text())
        print(report.summary())
    return 1 if report.errors else 0


def build_parser() -> argparse.ArgumentParser:
    from .local.server import DEFAULT_PORT

    parser = argparse.ArgumentParser(
        prog="winupdate",
        description="Approval-gated Windows Update with AMI backups on SSM Automation.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser(
        "local", help="run the embedded AWS (moto + SSM Automation) on 127.0.0.1"
    )
    local.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    local.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="modelled seconds per wall second (60 = an hour-long wait takes a minute)",
    )
    local.set_defaults(func=_cmd_local)
    validate = commands.add_parser(
        "validate", help="check Automation runbooks for what AWS would reject or mis-run"
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="runbook files or folders")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.add_argument(
        "--rendered",
        action="store_true",
        help="render Terraform template markers with the module's default variables first",
    )
    validate.set_defaults(func=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "speed", 1.0) <= 0:
        parser.error("--speed must be positive")
    try:
        return args.func(args)
    except WinUpdateError as err:
        print(f"winupdate: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
