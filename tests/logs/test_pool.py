"""Instance logs through the shared SSH pool (`hostwiz.ssh`) against the sandbox's own SSH server
(its pretend instance): pinned host keys tail; a key that does not match stops the source."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.logs import Hub
from hostwiz.services.logs import StackLogs
from hostwiz.logs.source import LIVE, STOPPED
from hostwiz.sandbox.fake_host import BOOTSTRAP_LOG, FakeHost
from hostwiz.sandbox.ssh_server import InstanceServer
from hostwiz.ssh.hostkeys import PinStore

from .waiting import wait_for

INSTANCE = "i-0123456789abcdef0"


@pytest.fixture
def pretend(state_dir):
    pair = secrets.generate_ed25519("hostwiz-blog")
    secrets.forget(secrets.ssh_key_account("blog"))  # another test's "blog" key in the keyring would win over the file
    secrets.write_private_file(secrets.key_path(state_dir, "blog"), pair.private_openssh)
    Ledger(state_dir, "blog").update(name="blog", status="ready", spec={"name": "blog", "runtime": {"kind": "docker"}},
                                     outputs={"instance_id": INSTANCE, "public_ip": "203.0.113.10", "ssh_user": "ubuntu"})
    server = InstanceServer(FakeHost("blog", INSTANCE), pair.public_openssh)
    session = SimpleNamespace(state_dir=state_dir, aws=None, sandbox=True, ssh_pool=None,
                              resolve_ssh=lambda instance_id, address: ("127.0.0.1", server.port))
    yield server, StackLogs(session, "blog")
    server.stop()


def test_the_bootstrap_log_streams_through_the_pool(state_dir, pretend):
    server, logs = pretend
    PinStore(state_dir, "blog").pin(INSTANCE, [server.host_key_line])
    hub = Hub([logs.build("bootstrap"), logs.build("cloud-init")]).start()
    try:
        got: list = []

        def seen(source: str, text: str) -> bool:
            got.extend(hub.drain(timeout=0.5))
            return any(ln[0] == source and text in ln[2] for ln in got)

        # Both files' backlogs first (in any order: the sources stream independently)...
        assert wait_for(lambda: seen("bootstrap", "bootstrap finished"), timeout=60)
        assert wait_for(lambda: seen("cloud-init", "finished at"), timeout=60)
        assert wait_for(lambda: all(s.status == LIVE for s in hub.states().values()), timeout=60)
        # ...then a line written now arrives through the same follow.
        server.host.append(BOOTSTRAP_LOG, "hostwiz: a line written now")
        assert wait_for(lambda: seen("bootstrap", "hostwiz: a line written now"), timeout=60)
        assert {ln[0] for ln in got} == {"bootstrap", "cloud-init"}
        assert server.handshakes == 1  # both sources share one transport
    finally:
        hub.stop()


def test_a_host_key_that_does_not_match_stops_the_source(state_dir, pretend):
    server, logs = pretend
    PinStore(state_dir, "blog").pin(INSTANCE, ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKlgd1T3aRsZQcI8f0pLh4Wf6LPoSk3jRwbLrVbxRvpG"])
    source = logs.build("bootstrap")
    source.start(lambda line: None)
    try:
        assert wait_for(lambda: source.state.status == STOPPED and source.state.detail)
        assert "host key" in source.state.detail.lower() and source.attempts == 1
    finally:
        source.stop()
