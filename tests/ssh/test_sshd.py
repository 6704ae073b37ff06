"""Compatibility with OpenSSH's real sshd (Debian openssh-server), started by the test on loopback."""

from __future__ import annotations

import pytest

from hostwiz import secrets
from hostwiz.cli import main
from hostwiz.ledger import Ledger
from hostwiz.ssh.hostkeys import PinStore

pytestmark = pytest.mark.sshd


def sshd_stack(state_dir, sshd, name="web", pin=True):
    secrets.forget(secrets.ssh_key_account(name))
    secrets.write_private_file(secrets.key_path(state_dir, name), sshd.client_key.read_text())
    Ledger(state_dir, name).update(name=name, status="ready", outputs={
        "instance_id": "i-0feedfeedfeedfeed", "public_ip": "127.0.0.1", "ssh_user": sshd.user})
    if pin:
        PinStore(state_dir, name).pin("i-0feedfeedfeedfeed", [sshd.host_key_line])


def test_cli_runs_one_command_and_prints_its_output(sshd, state_dir, capfd):
    import platform

    sshd_stack(state_dir, sshd)
    code = main(["ssh", "web", "--state-dir", str(state_dir), "--port", str(sshd.port), "--", "uname", "-a"])
    out, err = capfd.readouterr()
    assert code == 0
    assert out.startswith(f"Linux {platform.node()} {platform.release()} ") and out.rstrip().endswith("GNU/Linux")
    assert "connected to web" in err and "directly" in err and "pinned" in err


def test_cli_returns_the_remote_exit_status(sshd, state_dir, capfd):
    sshd_stack(state_dir, sshd)
    code = main(["ssh", "web", "--state-dir", str(state_dir), "--port", str(sshd.port), "--", "echo oops >&2; exit 7"])
    out, err = capfd.readouterr()
    assert code == 7 and "oops" in err


def test_cli_refuses_an_unpinned_sshd_without_confirmation(sshd, state_dir, capfd):
    sshd_stack(state_dir, sshd, pin=False)
    PinStore(state_dir, "web").pin("i-0feedfeedfeedfeed", [" ".join(secrets.generate_ed25519("x").public_openssh.split()[:2])])
    code = main(["ssh", "web", "--state-dir", str(state_dir), "--port", str(sshd.port), "--", "true"])
    out, err = capfd.readouterr()
    assert code == 1 and "refuses to connect" in err and out == ""


def test_cli_interactive_shell_on_a_pty(sshd, state_dir):
    """`hostwiz ssh web` on a real terminal: raw mode, a command, and the shell's exit status."""
    import os
    import pty
    import re
    import select
    import subprocess
    import sys
    import time

    sshd_stack(state_dir, sshd)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "hostwiz", "ssh", "web", "--state-dir", str(state_dir),
                             "--port", str(sshd.port)], stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 20

    def read_until(marker: bytes) -> None:
        nonlocal seen
        while not re.search(marker, seen):
            assert time.monotonic() < deadline, seen.decode(errors="replace")[-500:]
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 4096)

    read_until(b"connected to web")
    read_until(rb"[#$] $")  # the remote prompt: type only once the shell is there
    os.write(master, b"stty size; echo done-$((40+2))\r")
    read_until(b"done-42")
    os.write(master, b"exit 5\r")
    assert proc.wait(timeout=10) == 5
    os.close(master)
