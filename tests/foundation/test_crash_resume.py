"""Resume after a crash right after RunInstances: real processes against a moto server on loopback."""

from __future__ import annotations

import tomli_w
from hwtest import CRASH_RUNNER, ONE_OF_EACH, counts, hostwiz, hostwiz_env, ids, inventory

from hostwiz.ledger import Ledger


def test_up_resumes_after_a_crash_right_after_run_instances(moto_server, spec_data, tmp_path):
    from hostwiz.provisioners.aws import Aws
    from hostwiz.sandbox.seed import seed

    seed(Aws(endpoint_url=moto_server), "example.com")
    spec_file = tmp_path / "blog.toml"
    spec_file.write_text(tomli_w.dumps(spec_data))
    state = tmp_path / "state"
    env = hostwiz_env(moto_server, state)
    argv = ("up", str(spec_file), "--yes", "--endpoint-url", moto_server)

    crashed = hostwiz([str(CRASH_RUNNER)], *argv, env=env)
    assert crashed.returncode == 137, crashed.stderr
    (instance,) = inventory("blog", moto_server)["instance"]
    ledger = Ledger(state, "blog")
    assert ledger.get("status") == "creating"
    assert ledger.entry("instance").state == "intent" and ledger.entry("instance").id is None
    token = ledger.get("tokens")["instance"]
    assert instance["ClientToken"] == token

    resumed = hostwiz(["-m", "hostwiz"], *argv, env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming stack blog" in resumed.stdout and "(resumed)" in resumed.stdout
    inv = inventory("blog", moto_server)
    assert counts(inv) == ONE_OF_EACH
    assert ids(inv)["instance"] == [instance["InstanceId"]]
    ledger = Ledger(state, "blog")
    assert ledger.get("status") == "ready"
    assert ledger.entry("instance").id == instance["InstanceId"]
    assert ledger.get("tokens")["instance"] == token
    assert inv["eip"][0]["InstanceId"] == instance["InstanceId"]
