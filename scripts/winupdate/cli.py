"""The ``winupdate`` command."""

from __future__ import annotations

import argparse
import math
import pathlib
import signal
import sys
import threading

from .errors import UsageError, WinUpdateError
from .local import EXTRA

# What only the embedded AWS (local, bench, demo) imports: extra "local" of pyproject.toml.
LOCAL_ONLY_PACKAGES = {"moto", "werkzeug", "flask", "policy_sentry", "python_terraform"}


def _cmd_local(args: argparse.Namespace) -> int:
    from .local.server import EmbeddedAws

    aws = EmbeddedAws(port=args.port, speed=args.speed)
    try:
        endpoint = aws.start()
    except OSError as err:
        raise WinUpdateError(f"cannot listen on 127.0.0.1:{args.port}: {err.strerror}") from err
    stop = threading.Event()
    # Ctrl-C as SIGTERM: a KeyboardInterrupt could land anywhere, even before the
    # try below, and skip the clean stop.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        ready = f"embedded AWS ready: AWS_ENDPOINT_URL={endpoint} (speed x{args.speed:g})"
        print(ready, flush=True)
        stop.wait()
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


def _cmd_run(args: argparse.Namespace) -> int:
    from .run.drive import RunCommand, RunOptions

    options = RunOptions(
        document=args.document,
        severity_levels=args.severity_levels,
        max_concurrency=args.max_concurrency,
        max_errors=args.max_errors,
        parameters=args.parameter,
        approve=args.approve,
        json=args.json,
        region=args.region,
        interval=args.interval,
    )
    return RunCommand(options).execute()


def _cmd_restore(args: argparse.Namespace) -> int:
    from .run.restore import RestoreCommand, RestoreOptions

    options = RestoreOptions(
        instance_id=args.instance_id,
        run_id=args.run,
        image_id=args.image,
        delete_replaced_volumes=args.delete_replaced_volumes,
        approve=args.approve,
        document=args.document,
        json=args.json,
        region=args.region,
        interval=args.interval,
    )
    return RestoreCommand(options).execute()


def _cmd_images(args: argparse.Namespace) -> int:
    import json

    from .run.aws import Aws
    from .run.images import pipeline_images, render_images

    images = pipeline_images(Aws(args.region), args.instance)
    if args.json:
        print(json.dumps([i.as_dict() for i in images], indent=2))
    else:
        print(render_images(images))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .run.aws import Aws
    from .run.report import write_report
    from .run.timeline import load_timeline

    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".html", ".htm"):
        raise UsageError(f"--out {out}: write a .png or an .html file")
    timeline = load_timeline(Aws(args.region), args.execution_id)
    write_report(timeline, out)
    print(f"wrote {out}: {len(timeline.rows)} instance(s) of run {args.execution_id}")
    return 0


def _cmd_bench_fleet(args: argparse.Namespace) -> int:
    import json

    from .bench.fleet import FleetBench, parse_faults, run_fleet_bench

    result = run_fleet_bench(
        FleetBench(
            instances=args.instances,
            concurrency=args.concurrency,
            documents=args.documents,
            faults=parse_faults(args.faults),
            quota=args.quota,
            out=args.out,
            reuse_unchanged_polls=not args.request_every_poll,
            fan_out=args.fan_out,
            rollback=args.rollback,
        )
    )
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>24}  {value}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .demo import run_demo

    return run_demo(Path(args.out), args.speed)


def build_parser() -> argparse.ArgumentParser:
    from .local import DEFAULT_PORT

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
    _add_run_parsers(commands)
    _add_demo_parser(commands)
    bench = commands.add_parser("bench", help="simulations on the embedded AWS in virtual time")
    bench_kinds = bench.add_subparsers(dest="bench", required=True)
    fleet = bench_kinds.add_parser(
        "fleet", help="a whole approved patch run over N instances: makespan, quotas, faults"
    )
    fleet.add_argument("--instances", type=int, default=20, help="tagged instances (default 20)")
    fleet.add_argument("--concurrency", type=int, default=10, help="MaxConcurrency (default 10)")
    fleet.add_argument("--documents", choices=("seed", "module"), default="module")
    fleet.add_argument(
        "--fan-out",
        choices=("automation", "window", "start"),
        default="automation",
        help="automation: Automation rate control (AWS ramps up 1, 2, 4, ...); window: a "
        "maintenance window task per tagged instance; start: the module's Start runbook, "
        "approved, which arms its run window (default automation)",
    )
    fleet.add_argument(
        "--faults",
        help="KIND:COUNT,... e.g. image_fails:2,command_fails:1 (the first COUNT instances)",
    )
    fleet.add_argument(
        "--quota", type=int, default=100, help="concurrent Automation executions (default 100)"
    )
    fleet.add_argument("--out", type=pathlib.Path, help="write the fleet timeline (.png or .html)")
    fleet.add_argument("--json", action="store_true", help="one JSON object")
    fleet.add_argument(
        "--rollback",
        action="store_true",
        help="the module's rollback_on_failure: a failed update restores its AMI before",
    )
    fleet.add_argument(
        "--request-every-poll",
        action="store_true",
        help="make every poll a request, even of a resource that has not changed since the "
        "last poll (slower; the same numbers: a check of the simulation)",
    )
    fleet.set_defaults(func=_cmd_bench_fleet)
    return parser


def _add_demo_parser(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser(
        "demo",
        help="the whole story on the embedded AWS: apply examples/local, run, report, tear down",
    )
    demo.add_argument("--out", default="out", help="folder of the timeline picture (default out)")
    demo.add_argument("--speed", type=float, default=120.0, help="modelled seconds per wall second")
    demo.set_defaults(func=_cmd_demo)


def _add_run_parsers(commands: argparse._SubParsersAction) -> None:
    from .run.start import DEFAULT_DOCUMENT

    region = {"help": "AWS region (default: AWS_DEFAULT_REGION / the profile's)"}
    run = commands.add_parser(
        "run", help="start a patch run, approve it or say how, follow it, print what it did"
    )
    run.add_argument("--document", default=DEFAULT_DOCUMENT, help=f"default {DEFAULT_DOCUMENT}")
    run.add_argument("--severity-levels", help="e.g. Critical,Important")
    run.add_argument("--max-concurrency", help="a number or a percentage")
    run.add_argument("--max-errors", help="a number or a percentage")
    run.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other parameter the runbook declares (repeatable)",
    )
    run.add_argument("--approve", action="store_true", help="approve the run as the caller")
    run.add_argument("--json", action="store_true", help="one JSON object, no progress")
    run.add_argument("--region", **region)
    run.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    run.set_defaults(func=_cmd_run)
    _add_restore_parser(commands, region)
    images = commands.add_parser("images", help="the AMIs the pipeline made, newest first")
    images.add_argument("--instance", metavar="ID", help="only this instance's")
    images.add_argument("--json", action="store_true")
    images.add_argument("--region", **region)
    images.set_defaults(func=_cmd_images)
    report = commands.add_parser("report", help="draw the timeline of an ended run")
    report.add_argument("execution_id", metavar="EXECUTION_ID")
    report.add_argument("--out", required=True, metavar="FILE", help="FILE.png or FILE.html")
    report.add_argument("--region", **region)
    report.set_defaults(func=_cmd_report)


def _add_restore_parser(commands: argparse._SubParsersAction, region: dict[str, str]) -> None:
    from .run.restore import DEFAULT_RESTORE_DOCUMENT

    restore = commands.add_parser(
        "restore",
        help="put one instance back to its AMI before a run (the Restore runbook), follow it",
    )
    restore.add_argument("instance_id", metavar="INSTANCE_ID")
    restore.add_argument(
        "--run",
        metavar="EXECUTION_ID",
        help="the run (Start or per-instance execution id) whose AMI before is restored",
    )
    restore.add_argument(
        "--image",
        metavar="AMI_ID",
        help="the UpdateBefore AMI to restore from (default: the newest, of --run if given)",
    )
    restore.add_argument(
        "--delete-replaced-volumes",
        action="store_true",
        help="delete the replaced volumes once restored (default: keep them, tagged ReplacedBy)",
    )
    restore.add_argument("--approve", action="store_true", help="approve the restore as the caller")
    restore.add_argument(
        "--document",
        default=DEFAULT_RESTORE_DOCUMENT,
        help=f"the Restore runbook (default {DEFAULT_RESTORE_DOCUMENT})",
    )
    restore.add_argument("--json", action="store_true", help="one JSON object, no progress")
    restore.add_argument("--region", **region)
    restore.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    restore.set_defaults(func=_cmd_restore)


def check_numbers(args: argparse.Namespace) -> None:
    """Refuse a port or a time factor that cannot work, before anything is started.

    argparse takes ``nan``, ``inf`` and any integer; a port past 65535 would bind another
    port, a NaN interval would poll without pause, and a zero speed would never move time.
    """
    port = getattr(args, "port", None)
    # 0 is the socket's "any free port": the ready line then says which (tests use it).
    if port is not None and not 0 <= port <= 65535:
        raise UsageError(
            f"--port must be a TCP port from 1 to 65535 (or 0 for any free one), not {port}"
        )
    for option, meaning in (
        ("speed", "modelled seconds per wall second"),
        ("interval", "seconds between polls"),
    ):
        value = getattr(args, option, None)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{option} must be positive and finite ({meaning}), not {value:g}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_numbers(args)
        return args.func(args)
    except WinUpdateError as err:
        print(f"winupdate: {err}", file=sys.stderr)
        return err.exit_code
    except ModuleNotFoundError as err:
        if err.name is None or err.name.split(".")[0] not in LOCAL_ONLY_PACKAGES:
            raise
        print(
            f"winupdate: {args.command} needs the embedded AWS's packages ({err.name} is not "
            f"installed): pip install 'winupdate[{EXTRA}]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
