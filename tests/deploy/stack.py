"""A hostwiz stack whose instance is the loopback "instance" of conftest: a ledger (instance ID,
address, user), the sshd's client key as the stack's 0600 key file, the sshd's host key pinned (so
the session's pool verifies it like any instance's), the session's resolver dialling the sshd, and
its `deploy_target` hook giving the instance's target. The services and the CLI then run exactly
as they do against an EC2 instance: the pool's verified transport, the stack lock, SSM settings
(moto)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

INSTANCE_ID = "i-0abc1234def567890"


def make_stack(instance, session, tmp_path: Path, name: str = "blog", runtime: str = "python"):
    from hostwiz import secrets
    from hostwiz.ledger import Ledger
    from hostwiz.ssh.hostkeys import PinStore

    sshd = instance.sshd
    state = session.state_dir
    from hostwiz.ledger import new_stack_id
    from hostwiz.provisioners.ownership import now_text

    Ledger(state, name).update(name=name, region=session.aws.region, status="ready", run_id="20261201-test",
                               stack_id=new_stack_id(), account=session.aws.identity()["account"], since=now_text(),
                               spec={"name": name, "runtime": {"kind": runtime}},
                               outputs={"instance_id": INSTANCE_ID, "public_ip": "203.0.113.10",
                                        "ssh_user": sshd.user, "url": "http://203.0.113.10/"})
    secrets.write_private_file(secrets.key_path(state, name), sshd.client_key.read_text())
    PinStore(state, name).pin(INSTANCE_ID, [sshd.host_key_line])
    target = dataclasses.replace(instance.target, settings_env=str(tmp_path / "instance" / "settings.env"))
    session.resolve_ssh = lambda iid, address: ("127.0.0.1", sshd.port) if iid == INSTANCE_ID else None
    session.deploy_target = lambda iid: target if iid == INSTANCE_ID else None
    session.deploy_url = lambda iid: f"http://127.0.0.1:{instance.http_port}/"
    return target


def cli_uses(monkeypatch, session) -> None:
    """Every `hostwiz ...` run in this process gets `session` (its pool closes after each command)."""
    import hostwiz.cli.common as common

    monkeypatch.setattr(common, "open_session", lambda options, region=None: session)
