"""The services layer: one session factory that gives back what it borrowed, and use cases that end
in a UserError (a message, an exit status) rather than a traceback."""

from __future__ import annotations

import os

import pytest

from hostwiz import spec as specmod
from hostwiz.errors import UserError


def refuse(code: str):
    from botocore.exceptions import ClientError

    def hook(**_):
        raise ClientError({"Error": {"Code": code, "Message": "try again later"}}, "DescribeVpcs")

    return hook


def test_a_preflight_read_refused_by_aws_is_a_user_error_and_nothing_is_created(session, spec_data):
    from hostwiz.services import stacks

    session.aws.hooks.append(("before-call.ec2.DescribeVpcs", refuse("InternalError")))
    with pytest.raises(UserError, match="could not check the spec with AWS before creating anything: InternalError"):
        stacks.prepare_up(session, specmod.validate(spec_data))


def test_an_unexpected_failure_of_a_command_is_one_line_and_exit_1(state_dir, tmp_path, capsys, monkeypatch):
    from hostwiz.cli import main
    from hostwiz.services import stacks

    def broken(*_a, **_k):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(stacks, "list_stacks", broken)
    code = main(["--sandbox", "--state-dir", str(state_dir), "status"])
    err = capsys.readouterr().err
    assert code == 1
    assert "hostwiz: status failed: the disk is on fire" in err and "Traceback" not in err


def test_closing_a_sandbox_session_gives_back_the_environment_and_removes_its_files(monkeypatch):
    from hostwiz.services.session import Options, open_session

    monkeypatch.setenv("AWS_PROFILE", "operators-own")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://vpce.example.internal")
    before = dict(os.environ)
    session = open_session(Options(sandbox=True))
    work_dir = session.lab.work_dir
    assert os.environ["AWS_ACCESS_KEY_ID"] == "sandbox" and "AWS_PROFILE" not in os.environ
    session.close()
    assert dict(os.environ) == before
    assert not work_dir.exists()
