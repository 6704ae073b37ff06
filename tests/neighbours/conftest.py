"""Fixtures for the shared-account proofs: every AWS call watched, neighbours remembered, the CLI
in-process with fast deletion waits."""

from __future__ import annotations

import json

import pytest

from .neighbourhood import Neighbours, Watch, install_watch


@pytest.fixture
def watch(monkeypatch) -> Watch:
    return install_watch(monkeypatch)


@pytest.fixture
def session(moto, state_dir, watch):
    """The suite's session (fast waits, seeded zone), made after the watch so its calls are seen."""
    from hostwiz.services.session import quick_session as make_session

    return make_session(state_dir)


@pytest.fixture
def neighbours(session) -> Neighbours:
    return Neighbours(session.aws)


@pytest.fixture
def cli(monkeypatch):
    """cli(state_dir, *argv) -> (code, stdout, stderr): `hostwiz ARGV --state-dir D` in-process,
    deletion and polling waits shrunk as in the suite's session."""
    from hwtest import run_cli

    from hostwiz.services import session as sessions

    real = sessions.open_session

    def fast(options, region=None):
        s = real(options, region)
        s.deletion.confirm_delay = s.deletion.backoff = 0.01
        s.deletion.patience_scale = 0.001  # as quick_session: AWS's minutes (visibility grace too) as moments
        s.timing.instance_delay = s.timing.db_delay = s.timing.iam_retry_delay = 0.01
        return s

    monkeypatch.setattr(sessions, "open_session", fast)
    from hostwiz.cli import common

    monkeypatch.setattr(common, "open_session", fast)

    def run(state_dir, *argv):
        return run_cli([*argv, "--state-dir", str(state_dir)])

    return run


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]
