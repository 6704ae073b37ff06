"""Tunnel fixtures: OpenSSH's sshd (the SSH tests' fixture) and a real PostgreSQL from Debian,
started by the test on a loopback port in a temporary directory.

PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (Debian's
postgresql package makes it) or `nobody`. Outside CI a missing server skips; under CI=true it
fails (.ci/run installs postgresql and postgresql-client)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from hostwiz import secrets
from hostwiz.secrets import Secret

from ssh.conftest import free_port, sshd  # noqa: F401  (the fixture, shared with tests/ssh)


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing: install Debian's postgresql and postgresql-client (.ci/run does)")
    pytest.skip(f"{what} is not installed (apt-get install postgresql postgresql-client)")


def _pg_bin() -> Path | None:
    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.parent.name
        return tuple(int(x) for x in part.split(".") if x.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    return Path(found[-1]).parent if found else None


@dataclass
class Postgres:
    port: int
    user: str
    password: Secret
    database: str
    log: Path


@pytest.fixture
def postgres():
    bindir = _pg_bin()
    if bindir is None or not (bindir / "pg_ctl").exists():
        _missing("PostgreSQL (initdb, pg_ctl)")
    if shutil.which("psql") is None:
        _missing("psql")
    root = Path(tempfile.mkdtemp(prefix="hostwiz-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            user = "nobody"
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        run_as = ["runuser", "-u", user, "--"]
    password = secrets.generate_password()
    pwfile = root / "pw"
    secrets.write_private_file(pwfile, password)
    if run_as:
        os.chown(pwfile, pwd.getpwnam(run_as[2]).pw_uid, -1)
    data, log, port = root / "data", root / "server.log", free_port()

    def run(*argv: str) -> None:
        proc = subprocess.run([*run_as, *argv], capture_output=True, text=True, cwd=root)
        if proc.returncode:
            tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"{argv[0]} failed: {proc.stdout[-1000:]}{proc.stderr[-1000:]}{tail}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "hostwiz", f"--pwfile={pwfile}", "-E", "UTF8",
        "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
    pwfile.unlink()
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off", "start")
    try:
        yield Postgres(port, "hostwiz", password, "postgres", log)
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, cwd=root)
        shutil.rmtree(root, ignore_errors=True)
