"""Host key verification, the fallbacks and the shared pool, against paramiko servers on loopback."""

from __future__ import annotations

import base64
import time
from types import SimpleNamespace

import pytest

from hostwiz import secrets
from hostwiz.ssh import ConnectFailed, Pool
from hostwiz.ssh.connect import BASTION, DIRECT, INSTANCE_CONNECT, Access, Connector, Endpoint
from hostwiz.ssh.hostkeys import BEGIN, END, PinStore, parse_console_keys
from hostwiz.services.ssh import stack_connector

from .conftest import make_stack


def no_aws(state_dir):
    return SimpleNamespace(state_dir=state_dir, aws=None, resolve_ssh=None, ssh_pool=None)


def resolve_to(server):
    return lambda instance_id, address: ("127.0.0.1", server.port)


def other_key_line() -> str:
    return " ".join(secrets.generate_ed25519("x").public_openssh.split()[:2])


def test_pinned_key_is_accepted(stack, servers):
    server = servers(stack.public_key)
    stack.pins.pin(stack.instance_id, [server.host_key_line])
    conn = stack_connector(no_aws(stack.state_dir), "blog", resolve=resolve_to(server)).connect()
    try:
        assert conn.path == DIRECT and conn.host_key_source == "pinned"
        chan = conn.transport.open_session()
        chan.exec_command("uname -a")
        assert b"GNU/Linux" in chan.makefile("rb").read()
    finally:
        conn.close()


def test_a_different_host_key_is_refused_and_nothing_else_is_tried(stack, servers):
    server = servers(stack.public_key)
    pinned = other_key_line()
    stack.pins.pin(stack.instance_id, [pinned])
    sent = []
    connector = stack_connector(no_aws(stack.state_dir), "blog", resolve=resolve_to(server))
    connector.access = Access(console_keys=lambda iid: [server.host_key_line],
                              send_public_key=lambda *a: sent.append(a))
    with pytest.raises(ConnectFailed) as failed:
        connector.connect()
    message = str(failed.value)
    assert "refuses to connect" in message and stack.pins.path.name in message
    assert [a.path for a in failed.value.attempts] == [DIRECT]  # no fallback with an untrusted key
    assert sent == [] and server.logins == 0  # never authenticated
    assert stack.pins.get(stack.instance_id) == [pinned]  # the console did not overwrite the pin


def test_no_pin_and_no_confirmation_is_refused_then_an_explicit_confirmation_pins(stack, servers):
    server = servers(stack.public_key)
    asked = []
    connector = stack_connector(no_aws(stack.state_dir), "blog", resolve=resolve_to(server),
                                confirm=lambda label, kind, fp: asked.append(fp) or False)
    connector.access = Access(console_keys=lambda iid: [])  # the console has no host key block
    with pytest.raises(ConnectFailed, match="not confirmed"):
        connector.connect()
    assert len(asked) == 1 and asked[0].startswith("SHA256:")
    assert stack.pins.get(stack.instance_id) == [] and server.logins == 0

    connector.confirm = lambda label, kind, fp: True
    connector.connect().close()
    assert stack.pins.get(stack.instance_id) == [server.host_key_line]
    assert stack.pins.path.stat().st_mode & 0o777 == 0o600
    again = stack_connector(no_aws(stack.state_dir), "blog", resolve=resolve_to(server)).connect()
    assert again.host_key_source == "pinned"  # no question the second time
    again.close()


def moto_instance(session) -> str:
    ec2 = session.aws.client("ec2")  # ami-12c6146b: one of moto's default images
    return ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]


def test_console_output_is_polled_with_backoff_and_pins_the_key(session, state_dir, servers, monkeypatch):
    from hostwiz.provisioners import waiting

    sleeps, real_sleep = [], time.sleep
    monkeypatch.setattr(waiting, "time", SimpleNamespace(monotonic=time.monotonic,
                                                         sleep=lambda s: sleeps.append(s) or real_sleep(s)))
    stack = make_stack(state_dir, "blog", moto_instance(session))
    server = servers(stack.public_key, stack.instance_id)
    calls, progress = [], []

    def console(parsed, **_):  # EC2 shows the host key block only after cloud-init's first boot
        calls.append(time.monotonic())
        if len(calls) >= 3:
            text = f"boot\n{BEGIN}\n{server.host_key_line} root@x\n{END}\n"
            parsed["Output"] = base64.b64encode(text.encode()).decode()

    session.aws.client("ec2").meta.events.register("after-call.ec2.GetConsoleOutput", console)
    conn = stack_connector(session, "blog", resolve=resolve_to(server), progress=progress.append,
                           console_delay=0.02).connect()
    conn.close()
    assert conn.host_key_source == "console output"
    assert len(calls) == 3 and progress and "waiting for the SSH host keys" in progress[0]
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # backoff between polls
    assert stack.pins.get(stack.instance_id) == [server.host_key_line]


def test_console_output_listing_other_keys_refuses(stack, servers):
    server = servers(stack.public_key)
    connector = stack_connector(no_aws(stack.state_dir), "blog", resolve=resolve_to(server))
    connector.access = Access(console_keys=lambda iid: [other_key_line()])
    with pytest.raises(ConnectFailed, match="console output lists"):
        connector.connect()
    assert stack.pins.get(stack.instance_id) == []


def test_bastion_hop_works_and_verifies_both_host_keys(stack, servers, state_dir):
    target = servers(stack.public_key)
    hop = servers(stack.public_key, "i-0bbbbbbbbbbbbbbbb", "jump")
    # direct dials 127.0.0.2 (nothing listens there); the bastion dials the private address
    endpoint = Endpoint("blog", "127.0.0.2", target.port, "ubuntu", stack.instance_id, stack.instance_id,
                        private_host="127.0.0.1")
    bastion = Endpoint("jump", "127.0.0.1", hop.port, "ubuntu", "i-0bbbbbbbbbbbbbbbb", "i-0bbbbbbbbbbbbbbbb")
    key = secrets_key(stack)

    def connector():
        return Connector(endpoint, stack.pins, lambda: key, Access(), bastion, timeout=3)

    stack.pins.pin(stack.instance_id, [target.host_key_line])
    stack.pins.pin("i-0bbbbbbbbbbbbbbbb", [other_key_line()])
    with pytest.raises(ConnectFailed, match="jump presented host key"):  # wrong bastion key: refused
        connector().connect()
    stack.pins.pin("i-0bbbbbbbbbbbbbbbb", [hop.host_key_line])
    stack.pins.pin(stack.instance_id, [other_key_line()])
    with pytest.raises(ConnectFailed, match="blog presented host key"):  # right bastion, wrong target key
        connector().connect()
    assert target.logins == 0
    stack.pins.pin(stack.instance_id, [target.host_key_line])
    conn = connector().connect()
    try:
        assert conn.path == BASTION and target.logins == 1 and hop.logins == 2  # bastion: 2nd and 3rd try
        assert conn.attempts[0].path == DIRECT and "refused" in conn.attempts[0].detail
        assert "through the bastion" in conn.summary() and "direct:" in conn.summary()
        chan = conn.transport.open_session()
        chan.exec_command("hostname")
        assert chan.makefile("rb").read().strip() == target.host.hostname.encode()
    finally:
        conn.close()


def secrets_key(stack):
    from hostwiz.ssh.keys import pkey_from_text

    return pkey_from_text(stack.private_key.reveal())


def test_bastion_given_as_another_stack(state_dir, servers):
    target_stack = make_stack(state_dir, "app", "i-0aaaaaaaaaaaaaaaa", address="127.0.0.2")
    jump = make_stack(state_dir, "jump", "i-0bbbbbbbbbbbbbbbb")
    target = servers(target_stack.public_key, "i-0aaaaaaaaaaaaaaaa", "app")
    hop = servers(jump.public_key, "i-0bbbbbbbbbbbbbbbb", "jump")
    pins = PinStore(state_dir, "app")
    pins.pin("i-0aaaaaaaaaaaaaaaa", [target.host_key_line])
    pins.pin("i-0bbbbbbbbbbbbbbbb", [hop.host_key_line])
    connector = stack_connector(no_aws(state_dir), "app", bastion="jump", port=target.port)
    connector.bastion.port = hop.port  # the bastion stack's sshd listens on the test port
    connector.target.private_host = "127.0.0.1"
    conn = connector.connect()
    conn.close()
    assert conn.path == BASTION  # each hop authenticated with its own stack's key


def test_instance_connect_pushes_a_key_right_before_connecting(session, state_dir, servers):
    stack = make_stack(state_dir, "blog", moto_instance(session), key_file=False)  # no private key here
    server = servers(stack.public_key, stack.instance_id)
    stack.pins.pin(stack.instance_id, [server.host_key_line])
    events = []

    def on_send(params, **_):  # what EC2 does: the instance accepts this key for 60 s
        events.append(("SendSSHPublicKey", params["InstanceId"], params["InstanceOSUser"], params["SSHPublicKey"]))
        server.allow_temporarily(params["SSHPublicKey"])

    accepts = server.accepts
    server.accepts = lambda blob: events.append(("auth", blob)) or accepts(blob)
    session.aws.client("ec2-instance-connect").meta.events.register(
        "before-parameter-build.ec2-instance-connect.SendSSHPublicKey", on_send)
    conn = stack_connector(session, "blog", resolve=resolve_to(server)).connect()
    conn.close()
    assert conn.path == INSTANCE_CONNECT
    assert [a.path for a in conn.attempts] == [DIRECT, BASTION, INSTANCE_CONNECT]
    assert "not on this machine" in conn.attempts[0].detail and "no bastion" in conn.attempts[1].detail
    assert events[0][:3] == ("SendSSHPublicKey", stack.instance_id, "ubuntu")
    assert events[1] == ("auth", events[0][3].split()[1])  # the next thing the server saw: that key


def test_group_readable_key_file_is_refused_with_the_fix(stack, servers):
    server = servers(stack.public_key)
    stack.pins.pin(stack.instance_id, [server.host_key_line])
    path = secrets.key_path(stack.state_dir, "blog")
    path.chmod(0o640)
    with pytest.raises(ConnectFailed, match=f"chmod 600 {path}"):
        stack_connector(no_aws(stack.state_dir), "blog", resolve=resolve_to(server)).connect()
    assert server.logins == 0


def test_key_from_the_keyring_when_there_is_no_file(state_dir, servers):
    stack = make_stack(state_dir, "blog", "i-0123456789abcdef0", key_file=False)
    secrets.store(secrets.ssh_key_account("blog"), stack.private_key.reveal())
    server = servers(stack.public_key)
    stack.pins.pin(stack.instance_id, [server.host_key_line])
    conn = stack_connector(no_aws(state_dir), "blog", resolve=resolve_to(server)).connect()
    conn.close()
    assert conn.path == DIRECT


def test_pool_shares_one_transport_per_host(stack, servers):
    server = servers(stack.public_key)
    stack.pins.pin(stack.instance_id, [server.host_key_line])
    pool = Pool(lambda host, confirm, progress: stack_connector(no_aws(stack.state_dir), host,
                                                                resolve=resolve_to(server)))
    try:
        shell = pool.shell("blog", cols=90, rows=20)
        tail = pool.exec_stream("blog", "tail -F /var/log/nginx/access.log")
        assert b"HTTP/1.1" in tail.recv(4096)
        assert pool.run("blog", "stty size", pty=True)[1].strip() == "24 80"
        code, out, _ = pool.run("blog", "free -m")
        assert code == 0 and "Mem:" in out
        assert pool.run("blog", "nosuchcommand")[0] == 127
        assert server.handshakes == 1 and pool.handshakes == 1
        tail.close()
        shell.close()
    finally:
        pool.close()


def test_console_block_parsing():
    k1, k2 = other_key_line(), other_key_line()
    text = f"noise\n{BEGIN}\n{k1} root@a\nnot a key\n{END}\nlater\n{BEGIN}\n{k2} root@b\necdsa-sha2-nistp256 !!! x\n{END}\n"
    assert parse_console_keys(text) == [k2]  # the last block wins (a reboot prints it again)
    assert parse_console_keys(base64.b64encode(text.encode()).decode()) == [k2]  # EC2 sends base64
    assert parse_console_keys("no block here\n") == [] and parse_console_keys(None) == []


def test_cli_unknown_stack_is_bad_input(state_dir, capsys):
    from hostwiz.cli import main

    assert main(["ssh", "nope", "--state-dir", str(state_dir), "--", "true"]) == 2
    assert "no stack named 'nope'" in capsys.readouterr().err


def test_bastion_by_instance_id_or_address(session, state_dir):
    from hostwiz.services.ssh import TargetError, bastion_endpoint

    iid = moto_instance(session)
    ip = session.aws.client("ec2").describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
        "PublicIpAddress"]
    by_id = bastion_endpoint(session, iid, "ubuntu")
    assert (by_id.host, by_id.port, by_id.user, by_id.host_id) == (ip, 22, "ubuntu", iid)
    by_address = bastion_endpoint(session, "ops@198.51.100.4:2222", "ubuntu")
    assert (by_address.host, by_address.port, by_address.user, by_address.host_id) == (
        "198.51.100.4", 2222, "ops", "198.51.100.4:2222")
    with pytest.raises(TargetError, match="not a stack name"):
        bastion_endpoint(session, "a b:c:d", "ubuntu")


def test_no_code_installs_a_host_key_policy_that_trusts_unknown_hosts():
    """Every `set_missing_host_key_policy` call in the product gets hostwiz's PinPolicy, and no
    trust-on-first-use policy of paramiko is named anywhere in the product's code."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    calls = []
    for folder in ("hostwiz", "screens", "provisioners"):
        for path in (root / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("AutoAddPolicy", "WarningPolicy"):
                    raise AssertionError(f"{path}: uses paramiko.{node.attr}")
                if isinstance(node, ast.Name) and node.id in ("AutoAddPolicy", "WarningPolicy"):
                    raise AssertionError(f"{path}: uses {node.id}")
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "set_missing_host_key_policy":
                    calls.append((path.name, ast.unparse(node.args[0])))
    assert calls == [("connect.py", "policy")]
