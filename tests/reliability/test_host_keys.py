"""Host keys: a server presenting a different key than the pinned one is refused every time (20
attempts, each a fresh connection): HostKeyMismatch, no login, no fallback path, the pin unchanged.
The same server is accepted once its real key is pinned (the refusals were about the key alone)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.sandbox.fake_host import FakeHost
from hostwiz.sandbox.ssh_server import InstanceServer
from hostwiz.ssh import HostKeyMismatch, PinStore
from hostwiz.ssh.connect import Access
from hostwiz.services.ssh import stack_connector

ATTEMPTS = 20
INSTANCE = "i-0123456789abcdef0"


def test_a_different_host_key_is_refused_every_time(state_dir, figures):
    pair = secrets.generate_ed25519("hostwiz-blog")
    secrets.forget(secrets.ssh_key_account("blog"))  # another test's "blog" key in the keyring would win over the file
    secrets.write_private_file(secrets.key_path(state_dir, "blog"), pair.private_openssh)
    Ledger(state_dir, "blog").update(name="blog", status="ready", outputs={
        "instance_id": INSTANCE, "public_ip": "127.0.0.1", "ssh_user": "ubuntu"})
    pins = PinStore(state_dir, "blog")
    other = " ".join(secrets.generate_ed25519("other").public_openssh.split()[:2])
    pins.pin(INSTANCE, [other])
    server = InstanceServer(FakeHost("blog", INSTANCE), pair.public_openssh)
    sent: list = []

    def connector():
        c = stack_connector(SimpleNamespace(state_dir=state_dir, aws=None), "blog",
                            resolve=lambda instance_id, address: ("127.0.0.1", server.port))
        c.access = Access(console_keys=lambda iid: [server.host_key_line], send_public_key=lambda *a: sent.append(a))
        return c

    try:
        refused = 0
        for _ in range(ATTEMPTS):
            with pytest.raises(HostKeyMismatch):
                connector().connect()
            refused += 1
        assert server.logins == 0 and sent == []  # never authenticated, no Instance Connect key pushed
        assert pins.get(INSTANCE) == [other]  # the console's key did not replace the pin
        pins.pin(INSTANCE, [server.host_key_line])
        conn = connector().connect()
        conn.close()
        assert server.logins == 1
    finally:
        server.stop()
    figures.update(attempts=ATTEMPTS, refused=refused)
