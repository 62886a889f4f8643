"""The embedded AWS: moto's server plus our services, in one process, on 127.0.0.1."""

from __future__ import annotations

import gc
import os
import threading
from typing import Any

# moto reads this when its backends are first built: set it before importing it.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
# No AWS_DEFAULT_REGION default here: a default set in the process that imports this
# module would replace the user's profile region and hide the "no AWS region" error.
# Every backend and client of the embedded AWS is given its region (EmbeddedAws.region).

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server

from . import in_process
from .clock import Clock, ScaledClock, VirtualClock
from .dispatch import FROM_SOCKET, Dispatcher
from .extensions import load_extensions
from .moto_patches.app import MotoApp
from .moto_patches.speedups import request_ids, speed_up_moto

speed_up_moto()

from . import DEFAULT_PORT  # noqa: E402 (re-exported: callers import it from here too)

EXECUTION_HEADER = "X-Winupdate-Execution"
# How long a connection may stay silent (its request line, headers or body unsent; a
# reply it does not read) before the server gives up on it: a Content-Length larger
# than the body sent must not hold a server thread for ever.
REQUEST_TIMEOUT_SECONDS = 30.0
SHUTDOWN_POLL_SECONDS = 0.05


class _QuietRequestHandler(MotoRequestHandler):
    """moto's handler without a log line per request (a run makes thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[FROM_SOCKET] = True
        return environ

    @property
    def timeout(self) -> float | None:  # type: ignore[override]
        """The socket timeout ``StreamRequestHandler.setup`` gives each connection."""
        return getattr(self.server, "request_timeout", None)


# Credentials the embedded AWS uses for its own calls (steps of a runbook).
SERVICE_ACCESS_KEY = "ASIAEMBEDDEDAUTOMATION"


class EmbeddedAws:
    """Start with ``start()``, stop with ``stop()``; ``endpoint`` is the URL to use.

    Only one runs per process: moto keeps its state in module globals, so
    ``start()`` resets them for a clean account.
    """

    _running_lock = threading.Lock()
    _started_before = False

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        speed: float = 1.0,
        host: str = "127.0.0.1",
        region: str = "us-east-1",
        virtual: bool = False,
        seed: int = 0,
        reuse_unchanged_polls: bool = True,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
    ):
        """``virtual``: discrete-event time (simulations, benchmarks) instead of ``speed``.

        ``reuse_unchanged_polls`` (virtual time only): a step polling a resource that has
        not changed since its last poll gets that poll's answer without a request (the
        call is still counted). Off, every poll is a request; results are the same.

        ``request_timeout``: seconds a connection may stay silent before it is dropped
        (a body still missing is answered ``RequestTimeout``); it can be changed while
        the server runs, for the connections accepted after.
        """
        self.host = host
        self.region = region
        self.seed = seed
        # The execution whose step is calling AWS on this thread: its requests carry its id
        # in a header, so what a step did (a message it published) can be traced to it.
        self.calling = threading.local()
        self.in_flight = 0
        self._in_flight_lock = threading.Lock()
        self.port = port
        self.clock: Clock = VirtualClock() if virtual else ScaledClock(speed)
        self.reuse_unchanged_polls = virtual and reuse_unchanged_polls
        self._request_timeout = request_timeout
        self._server: BaseWSGIServer | None = None
        self._app: Dispatcher | None = None
        self._thread: threading.Thread | None = None
        self._services: dict[str, Any] = {}
        self._clients: dict[tuple[str, str], Any] = {}
        self._session: Any = None
        self._clients_lock = threading.Lock()
        self._owns_lock = False
        self._frozen = False

    # -- lifecycle -------------------------------------------------------
    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded AWS is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def request_timeout(self) -> float:
        return self._request_timeout

    @request_timeout.setter
    def request_timeout(self, seconds: float) -> None:
        self._request_timeout = seconds
        if self._server is not None:
            self._server.request_timeout = seconds  # type: ignore[attr-defined]

    @property
    def app(self) -> Dispatcher:
        """The WSGI app the HTTP server serves; call it to be answered without a socket."""
        if self._app is None:
            raise RuntimeError("the embedded AWS is not started")
        return self._app

    def start(self) -> str:
        if not EmbeddedAws._running_lock.acquire(blocking=False):
            raise RuntimeError("an embedded AWS already runs in this process")
        self._owns_lock = True
        # Starting builds hundreds of thousands of objects that live until stop (moto's
        # backends and models, botocore's); the collector's full passes over them while
        # they are built took a second. Frozen at the end, later passes skip them too:
        # in a 500-instance run those had taken a tenth of the wall time. What starting
        # throws away is frozen with them until stop; an earlier run's garbage is
        # collected first, so that runs in one process do not pile it up.
        if EmbeddedAws._started_before:
            gc.collect()
        EmbeddedAws._started_before = True
        collecting = gc.isenabled()
        gc.disable()
        try:
            _reset_moto()
            if self.clock.virtual:
                # moto's and our ids (instances, AMIs, executions) from one seeded random:
                # a virtual run repeats exactly, catalogues of updates included.
                from moto.moto_api._internal import mock_random

                mock_random.seed(self.seed)
                request_ids.seed(self.seed)
            _warm_up(self.region)
            app = self._app = Dispatcher(self, MotoApp())
            self._server = make_server(
                self.host, self.port, app, threaded=True, request_handler=_QuietRequestHandler
            )
            self._server.request_timeout = self._request_timeout  # type: ignore[attr-defined]
            # Services exist before the first request is served: a request must never find
            # the fleet or the Automation service missing.
            for service in load_extensions(self):
                self._services[service.name] = service
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                # stop() waits for the loop's next look at its shutdown flag: every half
                # second by default, most of a 500-instance run's teardown (0.45 s).
                kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
                name="embedded-aws",
                daemon=True,
            )
            self._thread.start()
            self._warm_up_clients()
            for service in self._services.values():
                service.start()
            gc.freeze()
            self._frozen = True
        except BaseException:
            self.stop()
            raise
        finally:
            if collecting:
                gc.enable()
        return self.endpoint

    def stop(self) -> None:
        if self._frozen:  # collectable again once the process is done with it
            gc.unfreeze()
            self._frozen = False
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
        self._session = None
        if self._owns_lock:  # not another instance's, when this one's start was refused
            self._owns_lock = False
            EmbeddedAws._running_lock.release()

    def __enter__(self) -> EmbeddedAws:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _warm_up_clients(self) -> None:
        """One call per service the runbooks use: moto builds its app for a service on the
        first request, and botocore loads a client's model once; both take wall seconds."""
        for service, call in (
            ("ec2", "describe_availability_zones"),
            ("ssm", "describe_parameters"),
            ("sns", "list_topics"),
            ("sts", "get_caller_identity"),
            ("iam", "list_account_aliases"),
        ):
            getattr(self.client(service, self.region), call)()

    # -- for our services --------------------------------------------------
    def service(self, name: str) -> Any:
        return self._services[name]

    def before_request(self, call: Any = None) -> None:
        """Let modelled processes catch up with the clock before a request is answered."""
        for service in self._services.values():
            service.tick()
        automation = self._services.get("automation")
        if automation is not None and call is not None:
            automation.note_call(call)

    # -- virtual time: what the engine asks before it moves the clock ----------------
    def request_started(self) -> None:
        with self._in_flight_lock:
            self.in_flight += 1

    def request_ended(self) -> None:
        with self._in_flight_lock:
            self.in_flight -= 1

    def quiet(self) -> bool:
        """No request is being answered: nothing outside the engine is changing state."""
        return self.in_flight == 0

    def next_event(self) -> float | None:
        times = [
            t
            for service in self._services.values()
            if (t := getattr(service, "next_event", lambda: None)()) is not None
        ]
        return min(times, default=None)

    def advanced(self) -> None:
        for service in self._services.values():
            service.tick()

    def _calling_key(self) -> str:
        """The key of whoever a step's call is made as: its execution's role session or
        its caller (``calling.access_key``); the service's own key otherwise."""
        return getattr(self.calling, "access_key", None) or SERVICE_ACCESS_KEY

    def _tag_request(self, request: Any, **_: Any) -> None:
        execution_id = getattr(self.calling, "execution_id", None)
        if execution_id:
            request.headers[EXECUTION_HEADER] = execution_id

    # -- IAM ------------------------------------------------------------------------
    def authorize(self, call: Any) -> None:
        """Raise the service's access-denied error unless the caller may make ``call``."""
        iam = self._services.get("iam")
        if iam is not None:
            iam.authorize(call.access_key, call.service, call.operation, call.region, call.params)

    def identities_changed(self) -> None:
        iam = self._services.get("iam")
        if iam is not None:
            iam.principals.changed()

    def refuse_unidentified(self, environ: dict[str, Any]) -> None:
        """A request we cannot name (a REST call: S3) from a principal IAM restricts is
        refused: it could not be authorized."""
        iam = self._services.get("iam")
        if iam is not None:
            iam.refuse_unidentified(environ)

    def check_faults(self, call: Any) -> None:
        faults = self._services.get("faults")
        if faults is not None:
            faults.check_call(call)

    def lost_answer(self, call: Any) -> Any:
        """The error an injected lost-answer fault puts in place of ``call``'s success."""
        faults = self._services.get("faults")
        return faults.lost_answer(call) if faults is not None else None

    def fault_pending(self, service: str, operation: str) -> bool:
        faults = self._services.get("faults")
        return faults is not None and faults.api_fault_pending(service, operation)

    def client(self, service: str, region: str) -> Any:
        """A boto3 client that calls this embedded AWS as the Automation service would
        (in process: ``in_process``)."""
        key = (service, region)
        with self._clients_lock:
            if key not in self._clients:
                if self._session is None:
                    # One session for every client: each new one would load botocore's
                    # models from disk again (a second or more of a short run).
                    self._session = boto3.session.Session()
                client = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint,
                    aws_access_key_id=SERVICE_ACCESS_KEY,
                    aws_secret_access_key="embedded",
                    config=Config(
                        retries={"mode": "standard", "total_max_attempts": 1},
                        connect_timeout=5,
                        read_timeout=30,
                        signature_version=UNSIGNED,
                    ),
                )
                client.meta.events.register(
                    "before-sign", in_process.credential_scope(self._calling_key)
                )
                client.meta.events.register("before-send", self._tag_request)
                client.meta.events.register("before-send", in_process.sender(self._app))
                self._clients[key] = client
            return self._clients[key]


def _warm_up(region: str) -> None:
    """Build moto's backends for the default region before the clock matters.

    Building EC2's takes seconds of wall time (it loads every default AMI); paid inside
    a step, that would be many modelled minutes at a high speed factor.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends
    from moto.sns.models import sns_backends
    from moto.ssm.models import ssm_backends
    from moto.sts.models import sts_backends

    ec2_backends[DEFAULT_ACCOUNT_ID][region]
    ssm_backends[DEFAULT_ACCOUNT_ID][region]
    sns_backends[DEFAULT_ACCOUNT_ID][region]
    iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    sts_backends[DEFAULT_ACCOUNT_ID]["global"]


def _reset_moto() -> None:
    from moto.moto_api import _internal

    _internal.moto_api_backend.reset()
