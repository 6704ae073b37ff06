"""A sandbox that outlives one command: `python -m hostwiz.sandbox.daemon --home DIR`.

The daemon runs the sandbox (the moto server, the loopback SSH hosts of its instances) in a
background process of the operator's own, with DIR as the sandbox's state dir (ledger, keys,
pinned host keys). It writes `DIR/sandbox.json` (0600): its pid, the AWS endpoint, its control
address and token, the lifetime (started, expires) and the SSH port of each instance (the
resolver map). Every `--sandbox` command and the TUI attach to it (`attach`) instead of starting
an in-process sandbox: their botocore hooks tell the daemon about key pairs, launches, console
output reads, Instance Connect keys and terminations over its control API (JSON on 127.0.0.1,
with the token), and they dial each instance at the port the map gives.

What lives in the daemon, so every attached command reaches the same: the moto server, the SSH
hosts, the deploy hosts (each instance's release directory and loopback nginx: `deploy_target`,
`deploy_url`), the site stand-in the health probes reach (`health_endpoint`) and which stacks'
metrics are seeded (`feed_metrics`). What lives in each attached command: its botocore hooks,
among them the realism model of AWS (`sandbox_realism`, as in the in-process sandbox), whose
memory is the daemon's (`SharedRealism`): the windows one command opens (a database `creating`,
an instance not yet found, interfaces that linger after a termination, a reused client token)
hold for the next command too, as they would in one in-process sandbox. Only the tagging API's
ghosts stay per command (they come from what that command itself listed).

It stops on `POST /stop` (`hostwiz sandbox stop`), SIGTERM/SIGINT, or when its lifetime ends;
then the stacks it held are gone, so their ledgers, keys and pins are removed with it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets as pysecrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hostwiz.ledger import atomic_write

from . import FAKE_CREDENTIALS, SANDBOX_ZONE, Sandbox, sandbox_pace, sandbox_realism, wire
from .realism import Realism
from .ssh_hooks import SshHooks

log = logging.getLogger(__name__)
RECORD = "sandbox.json"
DEFAULT_LIFETIME = 8 * 3600.0
TOKEN_HEADER = "X-Hostwiz-Sandbox-Token"


@dataclass
class Record:
    """What `DIR/sandbox.json` says about a running daemon."""

    pid: int
    endpoint: str  # the AWS endpoint (moto server)
    control: str  # the control API
    token: str
    region: str
    state_dir: str
    started: str  # ISO 8601, UTC
    expires: str
    ssh: dict[str, int] = field(default_factory=dict)  # instance ID -> loopback SSH port

    @classmethod
    def read(cls, home: Path) -> "Record | None":
        try:
            data = json.loads((Path(home) / RECORD).read_text())
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def write(self, home: Path) -> None:
        atomic_write(Path(home) / RECORD, json.dumps(asdict(self), indent=2))  # 0600: it holds the token

    def call(self, path: str, body: dict[str, Any] | None = None, timeout: float = 10.0) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.control + path, data=data, method="GET" if body is None else "POST",
                                     headers={TOKEN_HEADER: self.token, "Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
        with opener.open(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"{}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find(home: Path) -> Record | None:
    """The daemon recorded in `home`, if it runs and answers; a stale record is removed."""
    rec = Record.read(home)
    if rec is None:
        return None
    if pid_alive(rec.pid):
        try:
            if rec.call("/status", timeout=5).get("pid") == rec.pid:
                return rec
        except (OSError, ValueError):
            pass
        return None  # alive but not answering (starting, or stuck): not usable, but not ours to remove
    (Path(home) / RECORD).unlink(missing_ok=True)
    return None


def forget_sandbox_stacks(home: Path) -> list[str]:
    """Remove the ledgers (and keys, pins) of sandbox stacks in `home`: their resources died with
    the daemon. Ledgers of real stacks (not marked `sandbox`) are never touched."""
    from hostwiz.ledger import all_stacks

    gone = []
    for ledger in all_stacks(home):
        if ledger.get("sandbox"):
            gone.append(ledger.name)
            (Path(home) / "keys" / f"{ledger.name}.pem").unlink(missing_ok=True)
            (Path(home) / "known_hosts" / f"{ledger.name}.json").unlink(missing_ok=True)
            ledger.remove()
    return gone


# The daemon ---------------------------------------------------------------------------


class Daemon:
    def __init__(self, home: Path, region: str = "us-east-1", lifetime: float = DEFAULT_LIFETIME):
        self.home, self.region, self.lifetime = Path(home), region, lifetime
        self.stopping = threading.Event()
        self.lab: Sandbox | None = None
        self.record: Record | None = None
        self._lock = threading.Lock()
        # The realism model's memory, told by every attached command (`SharedRealism`)
        self.realism: dict[str, Any] = {"born": {}, "instances": {}, "tokens": {}, "lingering": []}

    def start(self) -> Record:
        self.home.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o700)
        from .ssh_server import SandboxSsh

        forget_sandbox_stacks(self.home)  # a previous daemon's, if it was killed
        lab = Sandbox(region=self.region, state_dir=self.home)
        lab.ssh = SandboxSsh(pace=sandbox_pace())
        lab.ssh.on_change = self._write
        self.lab = lab.start()
        from hostwiz.provisioners.aws import Aws

        from .seed import seed

        seed(Aws(region=self.region, endpoint_url=lab.endpoint_url), SANDBOX_ZONE)
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, daemon=True, name="sandbox-control").start()
        now = datetime.now(timezone.utc).replace(microsecond=0)
        self.record = Record(os.getpid(), lab.endpoint_url, "http://127.0.0.1:%d" % self.http.server_address[1],
                             pysecrets.token_urlsafe(24), self.region, str(self.home), now.isoformat(),
                             (now + timedelta(seconds=self.lifetime)).isoformat())
        self._write()
        return self.record

    def _write(self) -> None:
        with self._lock:
            if self.record is not None and self.lab is not None and not self.stopping.is_set():
                self.record.ssh = self.lab.ssh.ports()
                self.record.write(self.home)

    def status(self) -> dict[str, Any]:
        from hostwiz.ledger import all_stacks

        assert self.record is not None
        return {**asdict(self.record), "token": None, "stacks": sorted(lg.name for lg in all_stacks(self.home))}

    def wait(self) -> None:
        self.stopping.wait(self.lifetime)

    def stop(self) -> list[str]:
        self.stopping.set()
        on_disk = Record.read(self.home)
        if on_disk is not None and on_disk.pid == os.getpid():  # never another daemon's record
            (self.home / RECORD).unlink(missing_ok=True)
        gone = forget_sandbox_stacks(self.home)
        if getattr(self, "http", None) is not None:
            self.http.shutdown()
            self.http.server_close()
        if self.lab is not None:
            self.lab.stop()
        return gone


def _handler(daemon: Daemon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("control: " + fmt, *args)

        def _reply(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            rec = daemon.record
            if rec is None or not pysecrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), rec.token):
                self._reply(403, {"error": "wrong or missing token"})
                return False
            return True

        def do_GET(self) -> None:
            if not self._authorised():
                return
            if self.path == "/status":
                self._reply(200, daemon.status())
            elif self.path == "/realism":
                with daemon._lock:
                    self._reply(200, daemon.realism)
            elif self.path == "/ssh/map":
                self._reply(200, daemon.lab.ssh.ports())
            else:
                self._reply(404, {"error": self.path})

        def do_POST(self) -> None:
            if not self._authorised():
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            ssh = daemon.lab.ssh
            if self.path == "/stop":
                self._reply(200, {"stopping": True})
                daemon.stopping.set()
            elif self.path == "/ssh/key":
                ssh.import_key(body["name"], body["public"])
                self._reply(200, {})
            elif self.path == "/ssh/launch":
                ssh.launch(body["instances"])
                self._reply(200, ssh.ports())
            elif self.path == "/ssh/console":
                self._reply(200, {"output": ssh.console(body["instance_id"])})
            elif self.path == "/ssh/send-key":
                ssh.send_key(body["instance_id"], body["public"])
                self._reply(200, {})
            elif self.path == "/ssh/terminate":
                ssh.terminate(body["instance_ids"])
                self._reply(200, {})
            elif self.path == "/deploy/target":
                target = daemon.lab.deploy_target(body.get("instance_id"))
                self._reply(200, {"target": asdict(target) if target is not None else None})
            elif self.path == "/deploy/url":
                self._reply(200, {"url": daemon.lab.deploy_url(body.get("instance_id"))})
            elif self.path == "/health":
                host, port = daemon.lab.health_endpoint()
                self._reply(200, {"host": host, "port": port})
            elif self.path == "/realism/note":
                with daemon._lock:
                    for part in ("born", "instances", "tokens"):
                        for k, v in (body.get(part) or {}).items():
                            daemon.realism[part].setdefault(k, v)
                    daemon.realism["lingering"] += body.get("lingering") or []
                self._reply(200, {})
            elif self.path == "/metrics/claim":  # the first to claim a stack seeds its metrics
                with daemon._lock:
                    first = body["key"] not in daemon.lab.metrics_fed
                    daemon.lab.metrics_fed.add(body["key"])
                self._reply(200, {"first": first})
            else:
                self._reply(404, {"error": self.path})

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hostwiz.sandbox.daemon",
                                     description="The hostwiz sandbox as a background process (hostwiz sandbox start).")
    parser.add_argument("--home", required=True, help="the sandbox's state dir (its sandbox.json is written there)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--lifetime", type=float, default=DEFAULT_LIFETIME, help="seconds before it stops by itself")
    args = parser.parse_args(argv)
    from hostwiz import logsetup

    daemon = Daemon(Path(args.home), args.region, args.lifetime)
    logsetup.configure(daemon.home)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: daemon.stopping.set())
    try:
        rec = daemon.start()
    except Exception as err:  # tell the starter why, on the one line it reads
        log.exception("sandbox daemon failed to start")
        print(json.dumps({"ok": False, "error": f"{err.__class__.__name__}: {err}"}), flush=True)
        daemon.stop()
        return 1
    print(json.dumps({"ok": True, "pid": rec.pid}), flush=True)
    # The starter has read its line and gone: later output goes to the log, never to a closed pipe.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    log.info("sandbox daemon %s serving %s until %s", rec.pid, rec.endpoint, rec.expires)
    daemon.wait()
    gone = daemon.stop()
    log.info("sandbox daemon stopped; stacks gone with it: %s", ", ".join(gone) or "none")
    return 0


def spawn(home: Path, region: str, lifetime: float, timeout: float = 120.0) -> Record:
    """Start the daemon detached (its own session, no terminal) and wait until it is ready."""
    import selectors
    import subprocess

    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / "logs").mkdir(exist_ok=True)
    err_path = home / "logs" / "sandbox-daemon.err"
    with open(err_path, "ab") as err:
        proc = subprocess.Popen([sys.executable, "-m", "hostwiz.sandbox.daemon", "--home", str(home),
                                 "--region", region, "--lifetime", str(lifetime)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                start_new_session=True, close_fds=True)
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    line = proc.stdout.readline() if sel.select(timeout) else b""
    proc.stdout.close()
    try:
        ready = json.loads(line or b"{}")
    except ValueError:
        ready = {}
    if not ready.get("ok"):
        if proc.poll() is None:
            proc.kill()
        why = ready.get("error") or "it did not say it was ready within %d s" % timeout
        raise RuntimeError(f"the sandbox did not start: {why} (see {err_path})")
    rec = Record.read(home)
    if rec is None:
        raise RuntimeError(f"the sandbox started but wrote no {home / RECORD}")
    return rec


def stop(home: Path, timeout: float = 60.0) -> bool:
    """Ask the daemon in `home` to stop and wait until its process is gone. False: none was running."""
    rec = Record.read(home)
    if rec is None or not pid_alive(rec.pid):
        (Path(home) / RECORD).unlink(missing_ok=True)
        return False
    try:
        rec.call("/stop", {})
    except (OSError, ValueError):
        os.kill(rec.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(rec.pid):  # not our child: no wait() to block on
        if time.monotonic() > deadline:
            os.kill(rec.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    (Path(home) / RECORD).unlink(missing_ok=True)
    return True


# The client side: a session attached to a running daemon -----------------------------


class RemoteSsh(SshHooks):
    """The hooks' operations, done by the daemon over its control API; `resolve` asks its map."""

    def __init__(self, record: Record):
        self.record = record

    def import_key(self, name: str, public: str) -> None:
        self.record.call("/ssh/key", {"name": name, "public": public})

    def launch(self, instances: list[dict[str, Any]]) -> None:
        self.record.ssh = self.record.call("/ssh/launch", {"instances": instances})

    def console(self, instance_id: str) -> str | None:
        return self.record.call("/ssh/console", {"instance_id": instance_id}).get("output")

    def send_key(self, instance_id: str, public: str) -> None:
        self.record.call("/ssh/send-key", {"instance_id": instance_id, "public": public})

    def terminate(self, instance_ids: list[str]) -> None:
        self.record.call("/ssh/terminate", {"instance_ids": instance_ids})

    def resolve(self, instance_id: str | None, address: str) -> tuple[str, int] | None:
        port = self.record.ssh.get(instance_id or "")
        if port is None and instance_id:
            self.record.ssh = self.record.call("/ssh/map")
            port = self.record.ssh.get(instance_id)
        return ("127.0.0.1", port) if port else None


class SharedRealism(Realism):
    """The realism model of a command attached to the daemon, whose memory is the daemon's: what one
    command made (births, launches and their client tokens, lingering interfaces) is told to the
    daemon, and every command reads what the others told it (at most once a second), so a window
    opened by `up` holds for the `down` run right after it in another process, as it would in one
    in-process sandbox. The times are CLOCK_MONOTONIC readings, one clock for every process on this
    machine. Tagging ghosts stay per process (they come from what a command itself listed)."""

    refresh_every = 1.0  # seconds between two reads of the daemon's notes

    def __post_init__(self) -> None:
        super().__post_init__()
        self.record: Record | None = None  # set by `Attached.wire`
        self._pulled = float("-inf")

    # what this command tells the daemon ------------------------------------------------------
    def _tell(self, **journal: Any) -> None:
        try:
            self.record.call("/realism/note", journal)
        except (OSError, ValueError) as err:  # the model's memory is a nicety; the call itself goes on
            log.debug("realism: the daemon did not take a note: %s", err)

    def _note(self, key: str) -> None:
        super()._note(key)
        self._tell(born={key: self._born[key]})

    def _linger(self, groups: set[str], subnets: set[str], vpc: str | None, subnet_group: str | None = None,
                what: str = "") -> None:
        t = time.monotonic()
        with self._lock:
            self._lingering.append((t, what, set(groups), set(subnets), vpc, subnet_group))
        self._tell(lingering=[[t, what, sorted(groups), sorted(subnets), vpc, subnet_group]])

    def _after_ec2_RunInstances(self, parsed: dict, p: dict, region: str) -> None:
        super()._after_ec2_RunInstances(parsed, p, region)
        ids = [inst["InstanceId"] for inst in parsed.get("Instances", [])]
        with self._lock:
            born = {f"instance:{i}": self._born[f"instance:{i}"] for i in ids}
            instances = {i: {**self._instances[i], "groups": sorted(self._instances[i]["groups"])} for i in ids}
            tokens = {t: i for t, i in self._tokens.items() if i in ids}
        self._tell(born=born, instances=instances, tokens=tokens)

    # what the others told it -----------------------------------------------------------------
    def pull(self) -> None:
        self._pulled = time.monotonic()  # a daemon that does not answer is not asked at every call
        try:
            journal = self.record.call("/realism")
        except (OSError, ValueError) as err:
            log.debug("realism: could not read the daemon's notes: %s", err)
            return
        with self._lock:
            for key, t in journal.get("born", {}).items():
                self._born.setdefault(key, t)
            for iid, info in journal.get("instances", {}).items():
                self._instances.setdefault(iid, {**info, "groups": set(info.get("groups") or [])})
            for token, iid in journal.get("tokens", {}).items():
                self._tokens.setdefault(token, iid)
            mine = {(x[0], x[1]) for x in self._lingering}
            for t, what, groups, subnets, vpc, sg in journal.get("lingering", []):
                if (t, what) not in mine:
                    self._lingering.append((t, what, set(groups), set(subnets), vpc, sg))

    def _before(self, model: Any, context: dict, **kw: Any) -> Any:
        if time.monotonic() - self._pulled >= self.refresh_every:
            self.pull()
        return super()._before(model, context, **kw)


class Attached:
    """A session's view of a running daemon: the same face as `Sandbox` (wire, resolve_ssh,
    deploy_target, deploy_url, health_endpoint, feed_metrics, state_dir, stop), but `stop` leaves
    the daemon running."""

    def __init__(self, record: Record):
        self.record = record
        self.state_dir = Path(record.state_dir)
        self.endpoint_url = record.endpoint
        self.ssh = RemoteSsh(record)
        self.realism: Any = None  # a `SharedRealism`, made by `wire` as `Sandbox.wire` makes its model
        # Borrowed while attached, given back by `stop` (as `Sandbox` does): the environment, the keyring.
        self._saved = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, "AWS_PROFILE", "AWS_SESSION_TOKEN",
                                                     "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")}
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(var, None)
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = record.endpoint
        import keyring

        from hostwiz import secrets

        self._saved_keyring = keyring.get_keyring()
        secrets.use_memory_keyring()  # sandbox secrets never reach the operator's keyring

    def resolve_ssh(self, instance_id: str | None, address: str) -> tuple[str, int] | None:
        return self.ssh.resolve(instance_id, address)

    def wire(self, region: str) -> tuple[Any, Any, Any]:
        if self.realism is None:
            self.realism = sandbox_realism(self.endpoint_url, SharedRealism)
            self.realism.record = self.record
        return wire(self.endpoint_url, region, self.realism, self.ssh.hooks(), seed_zone=False)

    def deploy_target(self, instance_id: str | None) -> Any:
        """The daemon's deploy host of the instance (its SSH server runs the release script there)."""
        from hostwiz.deploy import Target

        found = self.record.call("/deploy/target", {"instance_id": instance_id}).get("target")
        if found is None:
            return None
        return Target(**{**found, "site_listen": tuple(found.get("site_listen") or ())})

    def deploy_url(self, instance_id: str | None) -> str | None:
        return self.record.call("/deploy/url", {"instance_id": instance_id}).get("url")

    def health_endpoint(self) -> tuple[str, int]:
        answer = self.record.call("/health", {})
        return answer["host"], int(answer["port"])

    def feed_metrics(self, aws: Any, key: str, metrics: list, storage_gb: float = 20) -> None:
        """A week of plausible points for a stack's metrics, once per stack for the daemon's lifetime."""
        from .watch import seed_metrics

        if self.record.call("/metrics/claim", {"key": key}).get("first"):
            seed_metrics(aws, metrics, storage_gb=storage_gb)

    def stop(self) -> None:  # the daemon goes on: only `hostwiz sandbox stop` ends it
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if self._saved_keyring is not None:
            import keyring

            keyring.set_keyring(self._saved_keyring)
            self._saved_keyring = None


def attach(home: Path) -> Attached | None:
    rec = find(home)
    return Attached(rec) if rec is not None else None


if __name__ == "__main__":
    sys.exit(main())
