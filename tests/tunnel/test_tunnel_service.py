"""`services.operate.open_tunnel`: from a stack name (the ledger's database endpoint and user, the
keyring's password) through the session's SSH pool -- host key pinned, real OpenSSH sshd -- to a
real PostgreSQL, with psql reading the 0600 pgpass file; the file is gone once the tunnel closes."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.services import operate
from hostwiz.services.session import Session
from hostwiz.provisioners.aws import Aws
from hostwiz.ssh import PinStore

pytestmark = pytest.mark.sshd

IID = "i-0feedfeedfeedfeed"


@pytest.fixture
def stack(sshd, postgres, state_dir):
    key = secrets.key_path(state_dir, "web")
    key.parent.mkdir(parents=True, exist_ok=True)
    secrets.write_private_file(key, sshd.client_key.read_text())
    secrets.store(secrets.db_password_account("web"), postgres.password.reveal())
    PinStore(state_dir, "web").pin(IID, [sshd.host_key_line])
    Ledger(state_dir, "web").update(
        name="web", region="us-east-1", status="ready",
        spec={"name": "web", "database": {"engine": "postgres", "username": postgres.user,
                                          "db_name": postgres.database}},
        outputs={"instance_id": IID, "public_ip": "192.0.2.10", "ssh_user": sshd.user,
                 "db_endpoint": "127.0.0.1", "db_port": postgres.port})
    session = Session(Aws(), state_dir, resolve_ssh=lambda iid, ip: ("127.0.0.1", sshd.port))
    yield session
    session.close()
    secrets.forget(secrets.db_password_account("web"))


def test_open_tunnel_by_stack_name_runs_a_query(stack, postgres):
    with operate.open_tunnel(stack, "web") as t:
        assert t.connection_string == f"postgresql://{postgres.user}:***@127.0.0.1:{t.local_port}/{postgres.database}"
        assert stat.S_IMODE(t.files.path.stat().st_mode) == 0o600
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        result = subprocess.run([*t.command, "-w", "-X", "-A", "-t", "-c", "select 40 + 2"],
                                env={**env, **t.env}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "42"
        assert postgres.password.reveal() not in t.connection_string + str(t.env)
        path = t.files.path
    assert not path.exists()
    assert stack.ssh_pool.handshakes == 1  # the session's pooled, verified transport


def test_a_stopped_stack_has_no_tunnel(stack):
    Ledger(stack.state_dir, "web").update(status="stopped")
    with pytest.raises(Exception, match="start web"):
        operate.open_tunnel(stack, "web")


def test_cli_tunnel_runs_psql_through_it_and_removes_the_file(stack, postgres, moto, monkeypatch, capfd):
    """`hostwiz tunnel web -- psql ...`: the command gets the tunnel's environment; the printed
    connection string is masked; the pgpass file is gone when the command returns."""
    from hostwiz.cli import main, tunnel

    monkeypatch.setattr(tunnel, "session_for", lambda args: stack)
    for var in [v for v in os.environ if v.startswith("PG")]:
        monkeypatch.delenv(var)
    code = main(["tunnel", "web", "--", "psql", "-w", "-X", "-A", "-t", "-c", "select 6 * 7"])
    out, err = capfd.readouterr()
    assert code == 0, err
    assert "42" in out.splitlines()
    assert f"postgresql://{postgres.user}:***@127.0.0.1:" in out
    assert postgres.password.reveal() not in out + err
    path = next(line.split()[2] for line in out.splitlines() if "password file" in line)
    assert not os.path.exists(path)
