"""The sandbox: every sandbox instance answers SSH on loopback, with its host key in its console output."""

from __future__ import annotations

import os

import pytest

from hostwiz import spec as specmod
from hostwiz.services.ssh import pool as shared_pool
from hostwiz.ssh.connect import INSTANCE_CONNECT


@pytest.fixture
def sandbox_session(tmp_path):
    from hostwiz.services.session import Options, open_session

    saved = dict(os.environ)
    session = open_session(Options(sandbox=True, state_dir=str(tmp_path / "state")))
    try:
        yield session, session.lab
    finally:
        session.close()
        os.environ.clear()
        os.environ.update(saved)


def test_a_sandbox_stack_answers_ssh_with_a_host_key_pinned_from_its_console(sandbox_session):
    from hostwiz.services import stacks as operations

    session, sandbox = sandbox_session
    result = operations.up(session, specmod.validate({"name": "hello", "runtime": {"kind": "static"}}), "127.0.0.1/32")
    assert result.ok, result.error
    iid, ip = result.outputs["instance_id"], result.outputs["public_ip"]
    assert sandbox.resolve_ssh(iid, ip)[0] == "127.0.0.1"  # the instance's address resolves to loopback
    pool = shared_pool(session)
    try:
        conn = pool.connection("hello")
        assert conn.host_key_source == "console output"
        code, out, _ = pool.run("hello", "tail -n 1 /var/log/hostwiz-bootstrap.log")
        assert code == 0 and "bootstrap finished" in out
        assert pool.run("hello", "uname -a")[1].startswith("Linux ip-")
        # Instance Connect works in the sandbox too: the pushed key is let in for 60 s
        from hostwiz import secrets

        secrets.key_path(session.state_dir, "hello").unlink()
        secrets.forget(secrets.ssh_key_account("hello"))
        pool.close()
        assert pool.connection("hello").path == INSTANCE_CONNECT
    finally:
        pool.close()
    server = sandbox.ssh.servers[iid]
    session.aws.client("ec2").terminate_instances(InstanceIds=[iid])  # (a full `down` takes ~12 s here)
    assert iid not in sandbox.ssh.servers  # TerminateInstances stopped its server
    with pytest.raises(OSError):
        __import__("socket").create_connection(("127.0.0.1", server.port), timeout=1).close()
