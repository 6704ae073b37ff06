"""Fixtures for the cleanup tests: the CLI on in-process moto, with fast waits and call hooks."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, Callable

import pytest


@pytest.fixture
def aws(moto):
    from hostwiz.provisioners.aws import Aws

    return Aws(region="us-east-1")


@pytest.fixture
def run_cli(state_dir, monkeypatch, capsys):
    """run_cli(*args, hooks=[...]) -> (exit code, JSON records printed). Deletion waits are fast."""
    from hostwiz.cli import cleanup, main

    hooks: list[tuple[str, Callable[..., Any]]] = []
    real = cleanup.session_for

    def fast_session(args, region=None):
        session = real(args, region)
        session.deletion.confirm_delay = session.deletion.backoff = 0.01
        session.deletion.patience_scale = 0.001
        session.aws.hooks.extend(hooks)
        return session

    monkeypatch.setattr(cleanup, "session_for", fast_session)

    def run(*argv: str, hook: list | None = None) -> tuple[int, list[dict]]:
        hooks[:] = hook or []
        capsys.readouterr()
        code = main(["--state-dir", str(state_dir), "cleanup", "--json", *argv])
        out = capsys.readouterr().out
        return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    return run


def error_hook(operation: str, code: str, times: int | None, only: Callable[[dict], bool] = lambda body: True):
    """A botocore before-call hook that answers `operation` with AWS error `code`
    (`times` times, or always when None). Returns (hook, calls list)."""
    calls: list[dict] = []

    def hook(params: dict, **_: Any):
        body = params.get("body") or {}
        if not only(body):
            return None
        calls.append(body)
        if times is None or len(calls) <= times:
            return (SimpleNamespace(status_code=400, headers={}),
                    {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": 400}})
        return None

    return (f"before-call.{operation}", hook), calls
