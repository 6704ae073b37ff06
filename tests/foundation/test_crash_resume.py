"""Resume after a crash right after RunInstances: real processes against a moto server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w
from hwtest import ONE_OF_EACH, counts, ids, inventory

from hostwiz.ledger import Ledger

HERE = Path(__file__).parent


@pytest.fixture
def moto_server():
    from moto.server import ThreadedMotoServer

    from hostwiz.sandbox import quiet_moto

    quiet_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    import requests

    requests.post(f"{url}/moto-api/reset", timeout=10)
    try:
        yield url
    finally:
        server.stop()


def hostwiz(script: list[str], *argv: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *script, *argv], capture_output=True, text=True, env=env, timeout=120)


def test_up_resumes_after_a_crash_right_after_run_instances(moto_server, spec_data, tmp_path):
    from hostwiz.provisioners.aws import Aws
    from hostwiz.provisioners.sandbox_seed import seed

    seed(Aws(endpoint_url=moto_server), "example.com")
    spec_file = tmp_path / "blog.toml"
    spec_file.write_text(tomli_w.dumps(spec_data))
    state = tmp_path / "state"
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_server, "HOSTWIZ_STATE_DIR": str(state),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    argv = ("up", str(spec_file), "--yes", "--endpoint-url", moto_server)

    crashed = hostwiz([str(HERE / "crash_runner.py")], *argv, env=env)
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
