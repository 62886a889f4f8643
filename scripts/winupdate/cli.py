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
