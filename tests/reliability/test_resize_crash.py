"""The crash matrix, extended to a resize: a real `hostwiz up SPEC --yes` changing the instance type
SIGKILLs itself at each mutating call of the stop -> modify -> start (just before the request, or
just after AWS answered); then `hostwiz up SPEC --yes` again ends with the new type, the instance
running and its Elastic IP attached -- never a stopped instance or a half-made change. Real
subprocesses on a moto server on loopback."""

from __future__ import annotations

import json

import pytest
import tomli_w
from hwtest import CRASH_RUNNER, client, hostwiz, hostwiz_env

from hostwiz.ledger import Ledger

POINTS = [(op, phase) for op in ("StopInstances", "ModifyInstanceAttribute", "StartInstances")
          for phase in ("before", "after")]


@pytest.fixture(scope="module")
def server():
    from hwtest import moto_server_url

    from hostwiz.provisioners.aws import Aws
    from hostwiz.sandbox.seed import seed

    with moto_server_url() as url:
        seed(Aws(endpoint_url=url), "example.com")
        yield url


def instance(server: str) -> dict:
    ec2 = client("ec2", server)
    found = ec2.describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["resize"]},
                                            {"Name": "instance-state-name", "Values": ["running", "stopped",
                                                                                       "pending", "stopping"]}])
    [inst] = [i for r in found["Reservations"] for i in r["Instances"]]
    return inst


def test_a_kill_at_each_call_of_a_resize_converges(server, tmp_path):
    spec = {"name": "resize", "instance": {"type": "t3.micro", "ssh_cidr": "203.0.113.7/32"}}
    path = tmp_path / "resize.toml"
    path.write_text(tomli_w.dumps(spec))
    env = hostwiz_env(server, tmp_path / "state")
    made = hostwiz(["-m", "hostwiz", "up", str(path), "--yes"], "--endpoint-url", server, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    ip = instance(server)["PublicIpAddress"]
    types = ["t3.small", "t3.micro"]
    for n, (op, phase) in enumerate(POINTS):
        target = types[n % 2]
        path.write_text(tomli_w.dumps({**spec, "instance": {**spec["instance"], "type": target}}))
        killed = hostwiz([str(CRASH_RUNNER), "up", str(path), "--yes"], "--endpoint-url", server,
                         env={**env, "HOSTWIZ_TEST_KILL_AT_OP": f"{op} {phase}"})
        assert killed.returncode == -9, (op, phase, killed.stdout[-1500:], killed.stderr[-1500:])
        pending = Ledger(tmp_path / "state", "resize").pending_changes()
        assert [p["key"] for p in pending][-1:] == ["instance.type"], (op, phase)
        plan = hostwiz(["-m", "hostwiz", "up", str(path), "--json"], "--endpoint-url", server, env=env)
        doc = json.loads(plan.stdout.splitlines()[-1])
        assert doc["ok"], doc
        again = hostwiz(["-m", "hostwiz", "up", str(path), "--yes"], "--endpoint-url", server, env=env)
        assert again.returncode == 0, (op, phase, again.stdout[-2000:], again.stderr[-2000:])
        inst = instance(server)
        assert (inst["InstanceType"], inst["State"]["Name"]) == (target, "running"), (op, phase)
        # (moto gives a restarted instance a new PublicIpAddress; AWS keeps the Elastic IP's. What
        # hostwiz checks and repairs is the association.)
        [addr] = client("ec2", server).describe_addresses(PublicIps=[ip])["Addresses"]
        assert addr.get("InstanceId") == inst["InstanceId"], (op, phase)
        assert Ledger(tmp_path / "state", "resize").pending_changes() == [], (op, phase)
