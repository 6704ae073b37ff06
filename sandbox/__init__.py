"""The embedded sandbox: a local AWS (moto server on loopback) seeded so the whole flow works.

`hostwiz --sandbox` starts it in-process with fake credentials and a throwaway state dir,
so nothing real is touched and sandbox stacks never mix with real ones. It is quiet: no
request logs reach the terminal.
"""

from __future__ import annotations

import atexit
import gzip
import json
import logging
import os
import shutil
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import Any

SANDBOX_ZONE = "example.com"
SANDBOX_OPERATOR_CIDR = "127.0.0.1/32"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox-secret"}


def prepare_amis(work_dir: Path) -> Path:
    """Write moto's default images plus current Ubuntu images, and point MOTO_AMIS_PATH at it.

    Must run before moto's EC2 models are imported (moto reads the variable at import).
    """
    path = work_dir / "amis.json"
    if os.environ.get("MOTO_AMIS_PATH") and Path(os.environ["MOTO_AMIS_PATH"]).exists():
        return Path(os.environ["MOTO_AMIS_PATH"])
    import importlib.util

    spec = importlib.util.find_spec("moto")
    moto_dir = Path(spec.origin).parent  # type: ignore[arg-type, union-attr]
    amis = json.loads(gzip.open(moto_dir / "ec2" / "resources" / "amis.json.gz").read())
    seen = {a["ami_id"] for a in amis}
    for region_file in sorted((moto_dir / "ec2" / "resources" / "latest_amis").glob("*.json.gz")):
        for ami in json.loads(gzip.open(region_file).read()):
            # only what the public SSM parameters hostwiz reads point at (moto seeds those)
            if ami["ami_id"] not in seen and ami.get("name", "").startswith("al2023-"):
                seen.add(ami["ami_id"])
                amis.append(ami)
    amis += json.loads(resources.files(__package__).joinpath("ubuntu_amis.json").read_text())
    for ami in amis:  # moto parses this field in place and fails on its second backend reset
        ami.pop("creation_date", None)
    path.write_text(json.dumps(amis))
    os.environ["MOTO_AMIS_PATH"] = str(path)
    return path


def quiet_moto() -> None:
    for name in ("werkzeug", "moto"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.ERROR)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


_MOTO_LOCK = threading.RLock()


def serialise_moto() -> None:
    """Let one request at a time into moto's backends, in this process (in-process `mock_aws` and
    the moto server's request threads alike).

    AWS applies each request whole; moto's backends do not. Two deletion workers revoking the rule
    between two security groups at once made moto 5.2 raise IndexError (its
    `revoke_security_group_ingress` finds a rule's index, then reads it from the list another request
    has just replaced), which hostwiz rightly took for a final error. Only moto's own handling is
    held: botocore, the realism model's delays and the network stay concurrent. Idempotent."""
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    def in_process(handle: Any) -> Any:
        def serialised(stubber: Any, request: Any) -> Any:
            with _MOTO_LOCK:
                return handle(stubber, request)
        return serialised

    def server(handle: Any) -> Any:
        def serialised(app: Any, environ: dict, start_response: Any) -> Any:
            _read_body_first(environ)  # outside the lock
            with _MOTO_LOCK:
                return handle(app, environ, start_response)
        return serialised

    for cls, name, wrap in ((BotocoreStubber, "process_request", in_process),
                            (DomainDispatcherApplication, "__call__", server)):
        if not getattr(getattr(cls, name), "_hostwiz_serialised", False):
            serialised = wrap(getattr(cls, name))
            serialised._hostwiz_serialised = True  # type: ignore[attr-defined]
            setattr(cls, name, serialised)


def _read_body_first(environ: dict) -> None:
    """Read a moto server request's body before it takes the lock: a client that stalls mid-body (a
    killed command, another process on the loopback port) then holds only its own request thread,
    not every request of the sandbox."""
    import io

    stream = environ.get("wsgi.input")
    if stream is None:
        return
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if environ.get("wsgi.input_terminated"):  # chunked: the stream ends where the body does
        body = stream.read()
    elif length > 0:
        body = stream.read(length)
    else:
        return
    environ["wsgi.input"] = io.BytesIO(body)


def sandbox_pace() -> float:
    """HOSTWIZ_SANDBOX_PACE scales the sandbox's simulated waits (1 = a few seconds, 0 = instant)."""
    try:
        return max(0.0, float(os.environ.get("HOSTWIZ_SANDBOX_PACE", "1")))
    except ValueError:
        return 1.0


def sandbox_realism(endpoint_url: str, model: Any = None) -> Any:
    """The realism model every sandbox session runs under (`sandbox.realism`): AWS's minutes become
    seconds (a database is `creating` for 12 s, an instance `pending` for 1.2 s), `HOSTWIZ_SANDBOX_PACE`
    scales that further (0: no windows; the per-call rules, such as a zone short of capacity, stay).
    `model`: the class (a daemon-attached command's is `daemon.SharedRealism`)."""
    from .realism import Realism

    return (model or Realism)(scale=0.04 * sandbox_pace(), endpoint_url=endpoint_url)


def wire(endpoint_url: str, region: str, realism: Any, ssh_hooks: list, *, seed_zone: bool = True
         ) -> tuple[Any, Any, Any]:
    """(Aws, Timing, DeletionSettings) for a session on a sandbox at `endpoint_url`: the realism
    model's hooks, the hooks that give each instance a loopback SSH server, and the seeded hosted
    zone. The one wiring of both the in-process sandbox (`Sandbox.wire`) and a session attached to
    the sandbox daemon (`daemon.Attached.wire`)."""
    from hostwiz.provisioners.aws import Aws
    from hostwiz.provisioners.deletion import DeletionSettings
    from hostwiz.provisioners.stack import Timing

    from .seed import seed

    pace = sandbox_pace()
    aws = Aws(region=region, endpoint_url=endpoint_url)
    aws.hooks.extend(realism.hooks())
    aws.hooks.extend(ssh_hooks)
    if seed_zone:
        seed(aws, SANDBOX_ZONE)
    timing = Timing(instance_delay=0.12 * pace or 0.01, db_delay=0.6 * pace or 0.01, iam_retry_delay=0.05)
    deletion = DeletionSettings()
    deletion.patience_scale = realism.scale or 0.001
    deletion.confirm_delay = 0.2 * pace or 0.01
    deletion.backoff = 0.2
    return aws, timing, deletion


class Sandbox:
    """A moto server on 127.0.0.1 with fake credentials, seeded for hostwiz."""

    def __init__(self, region: str = "us-east-1", state_dir: Path | None = None, realism: Any = None):
        self.region = region
        self.realism = realism  # a `realism.Realism`; made by `wire` (scaled by the pace) when None
        self.work_dir = Path(tempfile.mkdtemp(prefix="hostwiz-sandbox-"))
        # Throwaway: its state (ledger, 0600 key files) goes when the process ends.
        atexit.register(shutil.rmtree, self.work_dir, True)
        self.state_dir = Path(state_dir) if state_dir else self.work_dir / "state"
        self.endpoint_url = ""
        self._server = None
        self.ssh = None  # SandboxSsh: one loopback SSH server per sandbox instance (ssh_hooks)
        self.deploys = None  # deploy_host.DeployHosts: real release scripts per instance (deploy_target)
        self.health = None  # watch.HealthEndpoint: the site stand-in the probes reach (health_endpoint)
        self.metrics_fed: set[str] = set()  # stacks whose metrics are seeded (feed_metrics)

    def ssh_hooks(self) -> list:
        """botocore hooks that give each sandbox instance a loopback SSH server (add before clients exist)."""
        from .ssh_server import SandboxSsh

        self.ssh = self.ssh or SandboxSsh(pace=sandbox_pace())
        return self.ssh.hooks()

    def resolve_ssh(self, instance_id: str | None, address: str) -> tuple[str, int] | None:
        """Where to dial for an instance's SSH: its sandbox server on 127.0.0.1, not a real IP."""
        return self.ssh.resolve(instance_id, address) if self.ssh else None

    def deploy_target(self, instance_id: str | None):
        """Where a sandbox instance's releases live on this machine (hostwiz.deploy.Target), made on
        first use; its SSH server then runs the release script for real (sandbox/deploy_host.py)."""
        if self.deploys is None:
            from .deploy_host import activate

            self.deploys = activate(self.work_dir / "instances")
        return self.deploys.target(instance_id)

    def deploy_url(self, instance_id: str | None) -> str | None:
        """The URL a sandbox instance's deployed app answers on (its loopback nginx)."""
        return self.deploys.url(instance_id) if self.deploys is not None else None

    def wire(self, region: str) -> tuple[Any, Any, Any]:
        """(Aws, Timing, DeletionSettings) for a session on this sandbox: its endpoint, the realism
        model of AWS (`sandbox.realism`: not-found windows, databases `creating`, lingering network
        interfaces, a zone short of capacity, late console output, tagging ghosts; `sandbox_realism`),
        a loopback SSH server per instance, and the seeded hosted zone."""
        self.realism = self.realism or sandbox_realism(self.endpoint_url)
        return wire(self.endpoint_url, region, self.realism, self.ssh_hooks())

    def start(self) -> "Sandbox":
        # The process environment is borrowed while the sandbox runs (moto and botocore read it) and
        # given back by `stop`: a later real session must not find fake credentials or moto's URL.
        self._saved_env = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, "AWS_PROFILE", "AWS_SESSION_TOKEN",
                                                         "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE",
                                                         "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "MOTO_AMIS_PATH")}
        prepare_amis(self.work_dir)
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(var, None)
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_DEFAULT_REGION"] = self.region
        quiet_moto()
        serialise_moto()
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint_url
        import keyring

        from hostwiz import secrets

        self._saved_keyring = keyring.get_keyring()
        secrets.use_memory_keyring()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        return self

    def health_endpoint(self) -> tuple[str, int]:
        """(host, port) of the local stand-in for a stack's site (started on first use)."""
        from .watch import HealthEndpoint

        self.health = self.health or HealthEndpoint()
        return "127.0.0.1", self.health.port

    def feed_metrics(self, aws: Any, key: str, metrics: list, storage_gb: float = 20) -> None:
        """A week of plausible CloudWatch points for a stack's metrics, once per stack."""
        from .watch import seed_metrics

        if key not in self.metrics_fed:
            seed_metrics(aws, metrics, storage_gb=storage_gb)
            self.metrics_fed.add(key)

    def stop(self) -> None:
        if self.deploys is not None:
            from .deploy_host import deactivate

            deactivate(self.deploys)
            self.deploys = None
        if self.health is not None:
            self.health.stop()
            self.health = None
        if self.ssh is not None:
            self.ssh.stop()
        if self._server is not None:
            self._server.stop()
            self._server = None
        for key, value in getattr(self, "_saved_env", {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if getattr(self, "_saved_keyring", None) is not None:
            import keyring

            keyring.set_keyring(self._saved_keyring)
            self._saved_keyring = None
        shutil.rmtree(self.work_dir, ignore_errors=True)  # throwaway state: ledger, 0600 key files
