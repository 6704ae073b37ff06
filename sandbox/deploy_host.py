"""Deploys in the sandbox run for real: each sandbox instance gets a directory on this machine
that stands for its /srv/app, and a loopback nginx in front of it.

What is real: the release script (`hostwiz/deploy/release.sh`, the very one an instance runs)
is executed with this machine's `bash` when a sandbox SSH server receives it as an exec request:
the delta upload, hard links, the build (python venv, `npm ci`... with this machine's tools),
the app started beside the serving one on a loopback port, its health check with curl, nginx's
graceful reload, rollback and retention. The operator's app answers on `deploy_url(instance)`.

What stands in: systemd (release.sh's `setsid` supervisor: a process group, a pidfile, a log);
the instance's /srv/app and /etc/hostwiz (a directory under the sandbox's work dir); the public
address (127.0.0.1 and a free port). Without an nginx binary on this machine the switch is
simulated by a stub (`nginx -t` and reloads succeed, nothing proxies) and the app answers only
on its own port. Docker and php-fpm builds need those tools on this machine.

Only the exact command lines `hostwiz.deploy.release.Remote` produces for an instance's own
target are run for real; any other exec request goes to the pretend shell (`fake_host`).
Apps and nginx are stopped, and the directories removed, when the sandbox stops.
"""

from __future__ import annotations

import logging
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

from hostwiz.deploy import Target, site_config
from hostwiz.deploy.release import Remote

log = logging.getLogger(__name__)

NGINX_CONF = """daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
{user}
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    include {mime};
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    include {d}/site.conf;
}}
"""

NGINX_STUB = """#!/bin/sh
# hostwiz sandbox: no nginx on this machine, so the switch is simulated (see sandbox/deploy_host.py)
exit 0
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_block(count: int = 20) -> int:
    """The first of `count` free ports in a row, below Linux's ephemeral range (32768-60999): releases
    bind them later, and a base taken from the ephemeral range collided with the outgoing connections
    the machine opens meanwhile (an app that could not bind "exited before answering", under load)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32000 - count)
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {count} free ports in a row between 20000 and 32000")


def _nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


class DeployHost:
    """One sandbox instance's deploy side: its directory, target and nginx."""

    def __init__(self, base: Path, instance_id: str):
        self.dir = base / instance_id
        self.nginx_dir = self.dir / "nginx"
        (self.nginx_dir / "tmp").mkdir(parents=True, exist_ok=True)
        (self.dir / "bin").mkdir(exist_ok=True)
        self.http_port = _free_port()
        self.target = Target(root=str(self.dir / "srv-app"), port_base=port_block(), preview_port=_free_port(),
                             health_timeout=30, sudo=False, nginx_conf=str(self.nginx_dir / "nginx.conf"),
                             nginx_pid=str(self.nginx_dir / "nginx.pid"), shared_env=str(self.dir / "app.env"),
                             settings_env=str(self.dir / "settings.env"), supervisor="setsid")
        self.nginx: subprocess.Popen | None = None
        self.real_nginx = _nginx_binary() is not None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HOSTWIZ_"))}
        path = env.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        env["PATH"] = (str(self.dir / "bin") + ":" + path) if not self.real_nginx else path
        env["HOME"] = str(self.dir)
        return env

    def ensure_nginx(self) -> None:
        """Start the instance's nginx once (release.sh's `init` must have laid out its includes)."""
        with self._lock:
            if self.nginx is not None and self.nginx.poll() is None:
                return
            if not self.real_nginx:
                stub = self.dir / "bin" / "nginx"
                stub.write_text(NGINX_STUB)
                stub.chmod(0o755)
                return
            includes = Path(self.target.root) / "nginx"  # as release.sh's `init` lays them out
            includes.mkdir(parents=True, exist_ok=True)
            for name in ("live.conf", "preview.conf"):
                if not (includes / name).exists():
                    (includes / name).write_text('location / { return 503 "no release deployed yet"; }\n')
            (self.nginx_dir / "site.conf").write_text(site_config(self.target, listen=[f"127.0.0.1:{self.http_port}"]))
            mime = "/etc/nginx/mime.types" if os.path.exists("/etc/nginx/mime.types") else "/dev/null"
            (self.nginx_dir / "nginx.conf").write_text(NGINX_CONF.format(
                d=self.nginx_dir, mime=mime, user="user root;" if os.geteuid() == 0 else ""))
            self.nginx = subprocess.Popen([_nginx_binary() or "nginx", "-c", str(self.nginx_dir / "nginx.conf"),
                                           "-e", str(self.nginx_dir / "error.log")],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
            self._wait_listening()

    def _wait_listening(self) -> None:
        for _ in range(200):  # nginx binds within milliseconds; give up after ~10 s
            if self.nginx is None or self.nginx.poll() is not None:
                return
            try:
                socket.create_connection(("127.0.0.1", self.http_port), timeout=0.2).close()
                return
            except OSError:
                threading.Event().wait(0.05)

    def accepts(self, command: str) -> bool:
        """True for exactly the command lines release.Remote makes for this target."""
        marker = f"{shlex.quote(self.target.root + '/bin/release.sh')} "
        if marker not in command:
            return False
        try:
            args = shlex.split(command.rsplit(marker, 1)[1])
        except ValueError:
            return False
        remote = Remote(None, self.target)
        return any(remote.command(*args, install=install) == command for install in (False, True))

    def run(self, channel: Any, command: str) -> None:
        """Run the release script for real, stdin and output over `channel`."""
        self.ensure_nginx()
        proc = subprocess.Popen(["bash", "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, cwd=self.dir, env=self._env(), start_new_session=True)

        def feed() -> None:
            broken = False
            while True:
                try:
                    data = channel.recv(256 * 1024)
                except Exception:  # noqa: BLE001 - the client went away
                    break
                if not data:
                    break
                if not broken:
                    try:
                        proc.stdin.write(data)
                        proc.stdin.flush()
                    except (BrokenPipeError, ValueError):
                        broken = True  # the script stopped reading (a failure): drain until EOF
            try:
                proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass

        feeder = threading.Thread(target=feed, daemon=True, name="sandbox-deploy-stdin")
        feeder.start()
        try:
            while True:
                chunk = proc.stdout.read1(65536)
                if not chunk:
                    break
                channel.sendall(chunk)
            code = proc.wait()
            channel.send_exit_status(code)
        except (OSError, EOFError):
            proc.kill()
        finally:
            from .ssh_server import _close

            _close(channel)  # the client may have gone first

    def stop(self) -> None:
        run = Path(self.target.root) / "run"
        for pidfile in run.glob("*.pid") if run.is_dir() else []:
            try:
                os.killpg(int(pidfile.read_text().strip()), signal.SIGTERM)
            except (ValueError, ProcessLookupError, PermissionError):
                pass
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(5)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class DeployHosts:
    """Every sandbox instance's deploy side, made on first use (`target`)."""

    def __init__(self, base: Path):
        self.base = base
        self.hosts: dict[str, DeployHost] = {}
        self._lock = threading.Lock()

    def target(self, instance_id: str | None) -> Target | None:
        if not instance_id:
            return None
        with self._lock:
            host = self.hosts.get(instance_id)
            if host is None:
                host = self.hosts[instance_id] = DeployHost(self.base, instance_id)
        return host.target

    def url(self, instance_id: str | None) -> str | None:
        host = self.hosts.get(instance_id or "")
        return host.url if host is not None and host.real_nginx else None

    def handle(self, instance_id: str, channel: Any, command: str) -> bool:
        """Run `command` for real when it is this instance's release script; False otherwise."""
        host = self.hosts.get(instance_id)
        if host is None or not host.accepts(command):
            return False
        host.run(channel, command)
        return True

    def stop(self) -> None:
        with self._lock:
            hosts, self.hosts = list(self.hosts.values()), {}
        for h in hosts:
            h.stop()


_active: list[DeployHosts] = []


def activate(base: Path) -> DeployHosts:
    """The deploy hosts of a running sandbox (the SSH servers find them through `handle`)."""
    hosts = DeployHosts(base)
    _active.append(hosts)
    return hosts


def deactivate(hosts: DeployHosts) -> None:
    hosts.stop()
    if hosts in _active:
        _active.remove(hosts)


def handle(instance_id: str, channel: Any, command: str) -> bool:
    """For the sandbox SSH server: True when `command` ran as a real deploy (the channel is done)."""
    return any(h.handle(instance_id, channel, command) for h in list(_active))
