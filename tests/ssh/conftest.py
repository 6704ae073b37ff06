"""SSH fixtures: paramiko servers on loopback (the sandbox's own server class, with a pretend
shell), a stack in the ledger whose key is on disk, and OpenSSH's sshd for compatibility."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.sandbox.fake_host import FakeHost
from hostwiz.sandbox.ssh_server import InstanceServer
from hostwiz.ssh.hostkeys import PinStore


@dataclass
class Stack:
    name: str
    instance_id: str
    state_dir: Path
    public_key: str
    private_key: Any  # Secret

    @property
    def pins(self) -> PinStore:
        return PinStore(self.state_dir, self.name)


@pytest.fixture
def servers():
    """Start paramiko SSH servers (one pretend instance each); all stopped at the end."""
    made: list[InstanceServer] = []

    def start(public_key: str, instance_id: str = "i-0123456789abcdef0", stack: str = "blog") -> InstanceServer:
        server = InstanceServer(FakeHost(stack, instance_id), public_key)
        made.append(server)
        return server

    yield start
    for s in made:
        s.stop()


def make_stack(state_dir: Path, name: str, instance_id: str, address: str = "127.0.0.1",
               user: str = "ubuntu", key_file: bool = True) -> Stack:
    pair = secrets.generate_ed25519(f"hostwiz-{name}")
    secrets.forget(secrets.ssh_key_account(name))
    if key_file:
        secrets.write_private_file(secrets.key_path(state_dir, name), pair.private_openssh)
    Ledger(state_dir, name).update(name=name, status="ready", outputs={
        "instance_id": instance_id, "public_ip": address, "ssh_user": user})
    return Stack(name, instance_id, state_dir, pair.public_openssh, pair.private_openssh)


@pytest.fixture
def stack(state_dir) -> Stack:
    return make_stack(state_dir, "blog", "i-0123456789abcdef0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sshd:
    port: int
    host_key_line: str  # "type base64"
    user: str
    client_key: Path


@pytest.fixture
def sshd(tmp_path: Path, request):
    """OpenSSH's sshd on a loopback port, as the current user, with its own config and keys.
    A test's `@pytest.mark.sshd_config("Line ...")` adds lines to its sshd_config.

    Skips outside CI when sshd is not installed; under CI=true a missing sshd fails loudly
    (.ci/run installs openssh-server)."""
    binary = shutil.which("sshd") or "/usr/sbin/sshd"
    if not os.path.exists(binary):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("sshd is missing: install Debian's openssh-server (.ci/run does)")
        pytest.skip("OpenSSH sshd is not installed (apt-get install openssh-server)")
    d = tmp_path / "sshd"
    d.mkdir()
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
""" + "".join(m.args[0] + "\n" for m in request.node.iter_markers("sshd_config")))
    if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    proc = subprocess.Popen([binary, "-D", "-e", "-f", str(d / "sshd_config")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"sshd did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.05)
    import getpass

    host_line = " ".join((d / "host.pub").read_text().split()[:2])
    try:
        yield Sshd(port, host_line, getpass.getuser(), d / "client")
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
