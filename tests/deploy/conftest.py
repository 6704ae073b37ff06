"""A loopback "instance" for the release scripts: OpenSSH's sshd (as tests/ssh starts it), nginx with
the deploy site in a temp dir on a free loopback port, and a paramiko transport whose host key is
verified against the sshd's key. The instance's systemd is replaced by release.sh's setsid stand-in
(the test machine runs no systemd; release.sh picks the stand-in when /run/systemd/system is absent).

Under CI=true a missing sshd, nginx or curl fails the tests instead of skipping them (.ci/run installs them).
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from hostwiz.deploy import Target, site_config
from hostwiz.deploy.release import Remote
from hostwiz.sandbox.deploy_host import port_block


def need(binary: str, package: str, *also: str) -> str:
    found = shutil.which(binary) or next((p for p in (binary, *also) if os.path.exists(p)), None)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{binary} is missing: install Debian's {package} (.ci/run does)")
        pytest.skip(f"{binary} is not installed (apt-get install {package})")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
                pytest.fail(f"{what} did not start: {err}")
            time.sleep(0.05)


@dataclass
class Sshd:
    port: int
    host_key_line: str
    user: str
    client_key: Path


def start_sshd(d: Path):
    binary = need("sshd", "openssh-server", "/usr/sbin/sshd")
    d.mkdir(parents=True)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
    (d / "authorized_keys").write_text((d / "client.pub").read_text())
    (d / "authorized_keys").chmod(0o600)
    port = free_port()
    (d / "sshd_config").write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {d / 'host'}
AuthorizedKeysFile {d / 'authorized_keys'}
PidFile {d / 'sshd.pid'}
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxSessions 50
Subsystem sftp internal-sftp
""")
    if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    proc = subprocess.Popen([binary, "-D", "-e", "-f", str(d / "sshd_config")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_port(port, proc, "sshd")
    host_line = " ".join((d / "host.pub").read_text().split()[:2])
    return proc, Sshd(port, host_line, getpass.getuser(), d / "client")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def connect(sshd: Sshd, known_hosts: Path):
    """A paramiko client to the sshd, refusing any host key but the sshd's own."""
    import paramiko

    known_hosts.write_text(f"[127.0.0.1]:{sshd.port} {sshd.host_key_line}\n")
    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect("127.0.0.1", sshd.port, username=sshd.user, key_filename=str(sshd.client_key),
                   look_for_keys=False, allow_agent=False, timeout=10)
    return client


NGINX_CONF = """daemon off;
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log;
{user}
events {{ worker_connections 512; }}
http {{
    access_log off;
    include /etc/nginx/mime.types;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    include {d}/site.conf;
}}
"""


@dataclass
class Instance:
    target: Target
    transport: object
    root: Path
    http_port: int
    nginx_dir: Path
    sshd: Sshd | None = None  # the loopback sshd (its port, host key, user and client key)

    def get(self, path: str = "/", timeout: float = 5) -> tuple[int, str, str]:
        """(status, body, X-Hostwiz-Instance) through nginx's public server."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=timeout) as r:
                return r.status, r.read().decode(), r.headers.get("X-Hostwiz-Instance", "")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace"), e.headers.get("X-Hostwiz-Instance", "")

    def running_pids(self) -> list[int]:
        """Process groups of the app instances the stand-in supervisor started and still has."""
        out = []
        for pidfile in (self.root / "run").glob("*.pid"):
            pid = int(pidfile.read_text())
            try:
                os.kill(pid, 0)
                out.append(pid)
            except ProcessLookupError:
                pass
        return out


@pytest.fixture
def instance(tmp_path: Path):
    """sshd + nginx on loopback, release.sh installed under tmp/instance/srv-app, as the current user."""
    nginx = need("nginx", "nginx-light", "/usr/sbin/nginx")
    need("curl", "curl")
    sshd_proc, sshd = start_sshd(tmp_path / "sshd")
    client = connect(sshd, tmp_path / "known_hosts")
    d = tmp_path / "nginx"
    (d / "tmp").mkdir(parents=True)
    root = tmp_path / "instance" / "srv-app"
    http_port = free_port()
    target = Target(root=str(root), port_base=port_block(), preview_port=free_port(), health_timeout=15,
                    sudo=False, nginx_conf=str(d / "nginx.conf"), nginx_pid=str(d / "nginx.pid"),
                    shared_env=str(tmp_path / "instance" / "app.env"), supervisor="setsid")
    Remote(client.get_transport(), target).install()  # lays out root/nginx/{live,preview}.conf
    (d / "site.conf").write_text(site_config(target, listen=[f"127.0.0.1:{http_port}"]))
    user = "user root;" if os.geteuid() == 0 else ""  # workers read the releases under a 0700 tmp dir
    (d / "nginx.conf").write_text(NGINX_CONF.format(d=d, user=user))
    nginx_proc = subprocess.Popen([nginx, "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_port(http_port, nginx_proc, "nginx")
    inst = Instance(target, client.get_transport(), root, http_port, d, sshd)
    try:
        yield inst
    finally:
        client.close()
        for pid in inst.running_pids():  # apps still running (the serving release)
            try:
                os.killpg(pid, 15)
            except ProcessLookupError:
                pass
        stop(nginx_proc)
        stop(sshd_proc)


PY_APP = '''import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "version.txt")).read().strip()


class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("ok" if self.path == "/health" else f"python {VERSION} {os.environ.get('GREETING', '')}").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
'''

NODE_APP = '''const http = require("http");
const fs = require("fs");
const version = fs.readFileSync(__dirname + "/version.txt", "utf8").trim();
http.createServer((req, res) => {
  res.end(req.url === "/health" ? "ok" : `${require("greet")()} ${version}`);
}).listen(Number(process.env.PORT), "127.0.0.1");
'''

PHP_APP = '''<?php
$version = trim(file_get_contents(__DIR__ . "/../version.txt"));
if (parse_url($_SERVER["REQUEST_URI"], PHP_URL_PATH) === "/health") { echo "ok"; exit; }
echo "php " . $version;
'''


def write_app(d: Path, runtime: str, version: str = "v1") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "version.txt").write_text(version + "\n")
    if runtime == "python":
        (d / "app.py").write_text(PY_APP)
        (d / "requirements.txt").write_text("# stdlib only\n")
    elif runtime == "nodejs":
        (d / "server.js").write_text(NODE_APP)
        # a local dependency: the app only starts when `npm ci` has linked node_modules/greet
        (d / "greet").mkdir(exist_ok=True)
        (d / "greet" / "package.json").write_text('{"name": "greet", "version": "1.0.0", "main": "index.js"}\n')
        (d / "greet" / "index.js").write_text('module.exports = () => "node";\n')
        (d / "package.json").write_text('{"name": "app", "version": "1.0.0", "dependencies": {"greet": "file:greet"}}\n')
        (d / "package-lock.json").write_text(json.dumps({
            "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": {
                "": {"name": "app", "version": "1.0.0", "dependencies": {"greet": "file:greet"}},
                "greet": {"version": "1.0.0"}, "node_modules/greet": {"resolved": "greet", "link": True}}}))
    elif runtime == "php":
        (d / "public").mkdir(exist_ok=True)
        (d / "public" / "index.php").write_text(PHP_APP)
        (d / "composer.json").write_text("{}\n")
    elif runtime == "static":
        (d / "index.html").write_text(f"<h1>static {version}</h1>\n")
    return d
