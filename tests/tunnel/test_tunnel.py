"""The database tunnel: a local port through OpenSSH's real sshd to a real PostgreSQL, and
`psql` authenticating from the 0600 pgpass file hostwiz writes (no password on its command line)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import threading

import pytest

from hostwiz.dbclient import ClientFiles, DbLogin
from hostwiz.secrets import Secret
from hostwiz.ssh import Connector, Endpoint, PinStore
from hostwiz.ssh.tunnel import Tunnel, TunnelError

from ssh.conftest import free_port

pytestmark = pytest.mark.sshd


@pytest.fixture
def transport(sshd, state_dir):
    """An SSH transport the way hostwiz makes one: host key checked against the pin, key auth."""
    import paramiko

    PinStore(state_dir, "web").pin("i-0feedfeedfeedfeed", [sshd.host_key_line])
    conn = Connector(Endpoint("web", "127.0.0.1", sshd.port, sshd.user, host_id="i-0feedfeedfeedfeed"),
                     PinStore(state_dir, "web"),
                     key_loader=lambda: paramiko.Ed25519Key.from_private_key_file(str(sshd.client_key))).connect()
    yield conn.transport
    conn.close()


def psql(files: ClientFiles, sql: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(files.env if env_extra is None else env_extra)
    # -w: never prompt; a missing password is an error, not a hang.
    return subprocess.run([*files.command, "-w", "-X", "-A", "-t", "-c", sql], env=env,
                          capture_output=True, text=True, timeout=60)


def test_psql_runs_a_query_through_the_tunnel_with_the_pgpass_file(transport, postgres):
    seen = []
    with Tunnel(transport, "127.0.0.1", postgres.port, on_event=seen.append) as tunnel:
        assert tunnel.local_port != postgres.port
        login = DbLogin("postgres", "127.0.0.1", tunnel.local_port, postgres.user, postgres.password, postgres.database)
        with ClientFiles(login) as files:
            assert stat.S_IMODE(files.path.stat().st_mode) == 0o600
            assert stat.S_IMODE(files.dir.stat().st_mode) == 0o700
            result = psql(files, "select current_user || ' on ' || inet_server_port()")
            assert result.returncode == 0, result.stderr
            assert result.stdout.strip() == f"hostwiz on {postgres.port}"
            assert tunnel.served == 1 and tunnel.errors == []
            shown = files.connection_string()
            assert shown == f"postgresql://hostwiz:***@127.0.0.1:{tunnel.local_port}/postgres"
            assert postgres.password.reveal() not in shown + str(files.env) + " ".join(files.command)
            # Without the file, the server refuses: the password really came from it.
            refused = psql(files, "select 1", {**files.env, "PGPASSFILE": str(files.dir / "none")})
            assert refused.returncode != 0 and "password" in refused.stderr
            path, folder = files.path, files.dir
        assert not path.exists() and not folder.exists()
    assert [e.kind for e in seen][:2] == ["listening", "opened"] and seen[-1].kind == "stopped"


def test_a_failed_connection_does_not_end_the_tunnel(transport):
    """Nothing listens at first: that client is dropped and the error recorded; once a server
    listens, the same tunnel carries two connections at once."""
    port = free_port()
    failed = threading.Event()
    tunnel = Tunnel(transport, "127.0.0.1", port, on_event=lambda e: e.kind == "failed" and failed.set()).start()
    try:
        with socket.create_connection(("127.0.0.1", tunnel.local_port), timeout=10) as c:
            assert c.recv(10) == b""  # closed by the tunnel
        assert failed.wait(10)
        assert len(tunnel.errors) == 1 and f"127.0.0.1:{port}" in tunnel.errors[0]
        assert tunnel.alive

        server = socket.create_server(("127.0.0.1", port))
        stop = threading.Event()

        def answer(conn):
            with conn:
                for data in iter(lambda: conn.recv(4096), b""):
                    conn.sendall(data)

        def echo():
            while not stop.is_set():
                conn, _ = server.accept()
                threading.Thread(target=answer, args=(conn,), daemon=True).start()

        threading.Thread(target=echo, daemon=True).start()
        a = socket.create_connection(("127.0.0.1", tunnel.local_port), timeout=10)
        b = socket.create_connection(("127.0.0.1", tunnel.local_port), timeout=10)
        a.sendall(b"first")
        b.sendall(b"second")
        assert b.recv(100) == b"second" and a.recv(100) == b"first"
        b.shutdown(socket.SHUT_WR)  # a half-close is passed on, and the answer still arrives
        assert b.recv(100) == b""
        assert tunnel.served == 2
        a.close()
        b.close()
        stop.set()
    finally:
        tunnel.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", tunnel.local_port), timeout=5)
    assert not [t for t in threading.enumerate() if t.name.startswith("hostwiz-tunnel")]
    assert transport.is_active()  # the caller's transport outlives the tunnel


def test_close_ends_open_connections(transport):
    server = socket.create_server(("127.0.0.1", 0))
    with Tunnel(transport, "127.0.0.1", server.getsockname()[1]) as tunnel:
        client = socket.create_connection(("127.0.0.1", tunnel.local_port), timeout=10)
        held, _ = server.accept()  # the far end holds the connection open
    assert tunnel.active == 0
    assert client.recv(10) == b""
    assert not [t for t in threading.enumerate() if t.name.startswith("hostwiz-tunnel")]
    client.close()
    held.close()
    server.close()


def test_a_taken_local_port_is_reported(transport):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        with pytest.raises(TunnelError, match="choose another --local-port"):
            Tunnel(transport, "127.0.0.1", 5432, local_port=taken.getsockname()[1]).start()


def test_mysql_option_file_and_masked_string(tmp_path):
    login = DbLogin("mariadb", "127.0.0.1", 3307, "app", Secret('pa"ss\\word:1'), "shop")
    with ClientFiles(login) as files:
        text = files.path.read_text()
        assert stat.S_IMODE(files.path.stat().st_mode) == 0o600
        assert 'password="pa\\"ss\\\\word:1"' in text and "port=3307" in text
        assert files.command == ["mysql", f"--defaults-extra-file={files.path}"]
        assert files.connection_string() == "mysql://app:***@127.0.0.1:3307/shop"
        assert files.connection_string(reveal=True) == "mysql://app:pa%22ss%5Cword%3A1@127.0.0.1:3307/shop"


def test_pgpass_escapes_colons_and_backslashes():
    with ClientFiles(DbLogin("aurora-postgresql", "127.0.0.1", 6543, "app", Secret("a:b\\c"))) as files:
        assert files.path.read_text() == "127.0.0.1:6543:*:app:a\\:b\\\\c\n"
        assert "PGDATABASE" not in files.env and files.env["PGPASSFILE"] == str(files.path)
