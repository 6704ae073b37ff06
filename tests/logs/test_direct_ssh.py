"""The paramiko fallback for builds without the shared SSH pool: known host keys only."""

from __future__ import annotations

import pytest

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.logs import Hub
from hostwiz.logs.direct_ssh import direct_opener
from hostwiz.logs.instance import FileTail
from hostwiz.logs.source import LIVE, RETRYING, Backoff

from .sshd import LocalSshd
from .waiting import wait_for


class Session:
    def __init__(self, state_dir):
        self.state_dir = state_dir


@pytest.fixture
def setup(tmp_path):
    sshd = LocalSshd()
    Ledger(tmp_path, "blog").update(name="blog", outputs={"public_ip": "127.0.0.1", "ssh_user": "ubuntu"})
    key = secrets.key_path(tmp_path, "blog")
    key.parent.mkdir(parents=True)
    sshd.client_key.write_private_key_file(str(key))
    known = tmp_path / "known_hosts"
    yield sshd, known
    sshd.close()


def tail(tmp_path, sshd, known):
    log = tmp_path / "boot.log"
    log.write_text("hello\n")
    source = FileTail("bootstrap", str(log), direct_opener(Session(tmp_path), "blog", known_hosts=known, port=sshd.port),
                      backoff=Backoff(first=0.05, most=0.1, jitter=0))
    return Hub([source]).start(), source


def test_a_known_host_key_connects_and_tails(tmp_path, setup):
    sshd, known = setup
    known.write_text(f"[127.0.0.1]:{sshd.port} {sshd.host_key.get_name()} {sshd.host_key.get_base64()}\n")
    hub, source = tail(tmp_path, sshd, known)
    try:
        got = []
        assert wait_for(lambda: got.extend(hub.drain()) or [ln[2] for ln in got] == ["hello"])
        assert source.state.status == LIVE
    finally:
        hub.stop()


def test_an_unknown_host_key_is_refused(tmp_path, setup):
    sshd, known = setup
    known.write_text("")
    hub, source = tail(tmp_path, sshd, known)
    try:
        assert wait_for(lambda: source.state.status == RETRYING)
        assert "not found in known_hosts" in source.state.detail and not hub.drain()
    finally:
        hub.stop()
