"""`hostwiz logs NAME` right after `up`, on the sandbox under the realism model: the bootstrap is
still waiting for the database (cloud-init has not printed its host keys, and will not for a long
while), yet the connection is made with a host key verified from the console, because the bootstrap
printed the keys itself at its very start; and the console is read before the SSH handshake."""

from __future__ import annotations

import os

import pytest

from hostwiz import spec as specmod
from hostwiz.ssh.hostkeys import BEGIN, decode_console


@pytest.fixture
def lab_session(tmp_path):
    from hostwiz.sandbox import Sandbox
    from hostwiz.sandbox.realism import Realism
    from hostwiz.services.session import Session
    from hostwiz.userdata import render

    saved = dict(os.environ)
    # cloud-init's own block would come 900 s x 1.0 after launch: never within this test
    model = Realism(scale=0.002, floor=0.05, bootstrap_runtime=900 / 0.002)
    lab = Sandbox(state_dir=tmp_path / "state", realism=model).start()
    model.endpoint_url = lab.endpoint_url
    aws, timing, deletion = lab.wire("us-east-1")
    session = Session(aws, lab.state_dir, sandbox=True, timing=timing, deletion=deletion, user_data=render,
                      resolve_ssh=lab.resolve_ssh, lab=lab)
    try:
        yield session, lab, model
    finally:
        session.close()
        os.environ.clear()
        os.environ.update(saved)


def test_logs_right_after_up_connect_with_a_verified_host_key(lab_session):
    from hostwiz.provisioners import instance_access as ia
    from hostwiz.services import stacks as operations
    from hostwiz.services.logs import StackLogs, ssh_opener
    from hostwiz.services.ssh import pool

    session, lab, model = lab_session
    spec = specmod.validate({"name": "shop", "runtime": {"kind": "static"},
                             "database": {"engine": "postgres"}})
    result = operations.up(session, spec, "127.0.0.1/32")
    assert result.ok, result.error
    console = decode_console(ia.console_output(session.aws, result.outputs["instance_id"]))
    assert console.count(BEGIN) == 1  # only the bootstrap's block: cloud-init has not finished
    logs = StackLogs(session, "shop", open_stream=ssh_opener(session, "shop"))  # what `hostwiz logs` opens
    assert logs.exists
    conn = pool(session).connection("shop")
    assert conn.host_key_source == "console output"
    code, out, _ = pool(session).run("shop", "tail -n 1 /var/log/hostwiz-bootstrap.log")
    assert code == 0 and out


def test_the_console_is_read_before_the_handshake(lab_session):
    from hostwiz.services import stacks as operations
    from hostwiz.services.ssh import stack_connector

    session, lab, model = lab_session
    result = operations.up(session, specmod.validate({"name": "tiny", "runtime": {"kind": "static"}}), "127.0.0.1/32")
    assert result.ok, result.error
    server = lab.ssh.servers[result.outputs["instance_id"]]
    connector = stack_connector(session, "tiny", resolve=session.resolve_ssh)
    asked = connector.access.console_keys
    handshakes_when_asked: list[int] = []

    def console_keys(instance_id: str) -> list[str]:
        handshakes_when_asked.append(server.handshakes)
        return asked(instance_id)

    connector.access.console_keys = console_keys
    conn = connector.connect()
    try:
        assert conn.host_key_source == "console output"
        assert handshakes_when_asked == [0]  # asked once, before any SSH handshake began
    finally:
        conn.close()
