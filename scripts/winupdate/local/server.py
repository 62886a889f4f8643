"""The embedded AWS: moto's server plus our services, in one process, on 127.0.0.1."""

from __future__ import annotations

import os
import threading
from typing import Any

# moto reads these when its backends are first built: set them before importing it.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from .clock import ScaledClock
from .dispatch import Dispatcher
from .extensions import load_extensions

DEFAULT_PORT = 4599


class _QuietRequestHandler(MotoRequestHandler):
    """moto's handler without a log line per request (a run makes thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


# Credentials the embedded AWS uses for its own calls (steps of a runbook).
SERVICE_ACCESS_KEY = "ASIAEMBEDDEDAUTOMATION"


class EmbeddedAws:
    """Start with ``start()``, stop with ``stop()``; ``endpoint`` is the URL to use.

    Only one runs per process: moto keeps its state in module globals, so
    ``start()`` resets them for a clean account.
    """

    _running_lock = threading.Lock()

    def __init__(self, port: int = DEFAULT_PORT, speed: float = 1.0, host: str = "127.0.0.1"):
        self.host = host
        self.port = port
        self.clock = ScaledClock(speed)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._services: dict[str, Any] = {}
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------
    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded AWS is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> str:
        if not EmbeddedAws._running_lock.acquire(blocking=False):
            raise RuntimeError("an embedded AWS already runs in this process")
        try:
            _reset_moto()
            app = Dispatcher(self, DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self.host, self.port, app, threaded=True, request_handler=_QuietRequestHandler
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="embedded-aws", daemon=True
            )
            self._thread.start()
            for service in load_extensions(self):
                self._services[service.name] = service
            for service in self._services.values():
                service.start()
        except BaseException:
            self.stop()
            raise
        return self.endpoint

    def stop(self) -> None:
        for service in reversed(list(self._services.values())):
            service.stop()
        self._services.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self._clients.clear()
        if EmbeddedAws._running_lock.locked():
            EmbeddedAws._running_lock.release()

    def __enter__(self) -> EmbeddedAws:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for our services --------------------------------------------------
    def service(self, name: str) -> Any:
        return self._services[name]

    def before_request(self) -> None:
        """Let modelled processes catch up with the clock before a request is answered."""
        for service in self._services.values():
            service.tick()

    def client(self, service: str, region: str) -> Any:
        """A boto3 client that calls this embedded AWS as the Automation service would."""
        key = (service, region)
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = boto3.session.Session().client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint,
                    aws_access_key_id=SERVICE_ACCESS_KEY,
                    aws_secret_access_key="embedded",
                    config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
                )
            return self._clients[key]


def _reset_moto() -> None:
    from moto.moto_api import _internal

    _internal.moto_api_backend.reset()
