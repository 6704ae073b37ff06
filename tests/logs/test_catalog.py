"""Which sources a stack offers, how names are checked, and the shared-pool adapter."""

from __future__ import annotations

import pytest

from hostwiz.ledger import Ledger
from hostwiz.logs.catalog import SourceNameError, check_name
from hostwiz.services.logs import StackLogs
from hostwiz.logs.instance import CommandSource, DockerTail, FileTail, pool_opener
from hostwiz.logs.source import RETRYING, Backoff

from .sshd import LocalSshd
from .waiting import wait_for


class Session:
    def __init__(self, state_dir):
        self.state_dir, self.aws, self.sandbox = state_dir, None, False

    def for_region(self, region):
        return self


def stack(tmp_path, runtime, database=False):
    spec = {"name": "blog", "runtime": {"kind": runtime}}
    if database:
        spec["database"] = {"engine": "postgres"}
    Ledger(tmp_path, "blog").update(name="blog", region="us-east-1", spec=spec)
    return StackLogs(Session(tmp_path), "blog", open_stream=lambda command: iter(()))


def test_sources_follow_the_runtime_and_the_database(tmp_path):
    logs = stack(tmp_path, "docker", database=True)
    assert logs.available() == ["bootstrap", "cloud-init", "nginx-access", "nginx-error", "app", "rds"]
    assert isinstance(logs.build("app"), DockerTail) and logs.build("app").container == "hostwiz-app"
    assert isinstance(logs.build("nginx-error"), FileTail)
    assert logs.build("rds:error").follower.name_contains == "error"

    logs = stack(tmp_path, "php")
    assert "rds" not in logs.available()
    assert logs.build("app").unit == "php*-fpm"
    with pytest.raises(SourceNameError, match="no database"):
        logs.build("rds")

    logs = stack(tmp_path, "static")
    assert "app" not in logs.available()
    with pytest.raises(SourceNameError, match="static stack has no app"):
        logs.build("app")


def test_names_are_checked():
    assert check_name("cw:/aws/lambda/x:2026/") == "cw:/aws/lambda/x:2026/"
    for bad in ("cw:", "syslog", ""):
        with pytest.raises(SourceNameError, match="unknown log source"):
            check_name(bad)


class Pool:
    """The shape of `hostwiz.ssh.Pool.exec_stream`: a channel already running the command."""

    def __init__(self, sshd):
        self.sshd, self.transport = sshd, None

    def exec_stream(self, host, command):
        if self.transport is None or not self.transport.is_active():
            self.transport = self.sshd.connect()
        channel = self.transport.open_session()
        channel.exec_command(command)
        return channel


class Denied(CommandSource):
    def command(self):
        return "echo 'journal: permission denied' >&2; exit 3"


def test_a_command_that_fails_on_the_instance_says_why(tmp_path):
    sshd = LocalSshd()
    try:
        source = Denied("app", pool_opener(Pool(sshd), "blog"), backoff=Backoff(first=0.05, most=0.1, jitter=0))
        source.start(lambda line: None)
        # under load one attempt may see the channel close before its exit status; a retry says why
        assert wait_for(lambda: source.state.status == RETRYING and source.state.detail.startswith(
            "the log command exited with status 3: journal: permission denied"))
        source.stop()
    finally:
        sshd.close()


def test_the_sandbox_offers_only_the_pretend_instance_files(tmp_path):
    logs = stack(tmp_path, "docker", database=True)
    logs.session.sandbox = True
    assert logs.available() == ["bootstrap", "cloud-init", "nginx-access", "nginx-error"]
    assert logs.defaults() == ["bootstrap", "cloud-init"]
    assert logs.build("bootstrap").plain
    with pytest.raises(SourceNameError, match="pretend"):
        logs.build("rds")
