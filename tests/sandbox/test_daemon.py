"""A sandbox that outlives one command (issue 15, finding 11): `hostwiz sandbox start`, then
`up`, `status`, `ssh`, `logs`, `down` each in its own process, then `hostwiz sandbox stop`."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def hostwiz(env: dict, *argv: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hostwiz", *argv], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(HOSTWIZ_STATE_DIR=str(tmp_path / "state"), HOSTWIZ_SANDBOX_PACE="0")
    yield e
    record = tmp_path / "state" / "sandbox" / "sandbox.json"
    if record.exists():  # the test failed before `stop`: end the daemon it started, by its pid
        pid = json.loads(record.read_text())["pid"]
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def test_every_sandbox_command_uses_the_running_sandbox_one_after_another(env, tmp_path):
    started = hostwiz(env, "sandbox", "start")
    assert started.returncode == 0, started.stderr
    record = tmp_path / "state" / "sandbox" / "sandbox.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    rec = json.loads(record.read_text())
    assert rec["pid"] != os.getpid() and rec["endpoint"].startswith("http://127.0.0.1:") and rec["expires"]

    up = hostwiz(env, "--sandbox", "up", "examples/blog.toml", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "Stack blog is ready" in up.stdout
    assert json.loads(record.read_text())["ssh"]  # the resolver map names the instance's port

    status = hostwiz(env, "--sandbox", "status")
    assert status.returncode == 0 and "blog" in status.stdout and "ready" in status.stdout, status.stderr

    ssh = hostwiz(env, "--sandbox", "ssh", "blog", "--", "uname", "-a")
    assert ssh.returncode == 0, ssh.stderr
    assert ssh.stdout.startswith("Linux ip-") and "host key verified" in ssh.stderr

    logs = hostwiz(env, "--sandbox", "logs", "blog", "--source", "bootstrap")
    assert logs.returncode == 0, logs.stderr
    assert "bootstrap finished: success" in logs.stdout and "step: tls" in logs.stdout

    info = hostwiz(env, "sandbox", "status", "--json")
    assert info.returncode == 0 and json.loads(info.stdout)["stacks"] == ["blog"]

    down = hostwiz(env, "--sandbox", "down", "blog", "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "Stack blog is gone" in down.stdout
    assert "No stacks" in hostwiz(env, "--sandbox", "status").stdout

    stopped = hostwiz(env, "sandbox", "stop")
    assert stopped.returncode == 0 and "Sandbox stopped" in stopped.stdout, stopped.stderr
    assert not record.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(rec["pid"], 0)
    assert hostwiz(env, "sandbox", "status").returncode == 1


def test_stopping_the_sandbox_forgets_the_stacks_that_went_with_it(env, tmp_path):
    assert hostwiz(env, "sandbox", "start").returncode == 0
    spec = tmp_path / "tiny.toml"
    spec.write_text('name = "tiny"\n[runtime]\nkind = "static"\n')
    assert hostwiz(env, "--sandbox", "up", str(spec), "--yes").returncode == 0
    stopped = hostwiz(env, "sandbox", "stop")
    assert "its stacks are gone with it: tiny" in stopped.stdout
    assert not (tmp_path / "state" / "sandbox" / "stacks" / "tiny.json").exists()
    assert not (tmp_path / "state" / "sandbox" / "keys" / "tiny.pem").exists()


def test_a_command_attached_to_the_sandbox_has_its_realism_deploy_hosts_and_site_stand_in(env, tmp_path, monkeypatch):
    """The merge of issues 13-15: a session attached to the daemon is wired as the in-process
    sandbox is (the realism model's hooks, the deploy hosts, the health stand-in), not a bare moto."""
    import re
    import shutil
    import urllib.request

    from botocore.exceptions import ClientError

    from hostwiz.services.session import Options, open_session

    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("nginx is missing: install Debian's nginx-light (.ci/run does)")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")

    def get(url: str) -> str:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()

    assert hostwiz(env, "sandbox", "start").returncode == 0
    up = hostwiz(env, "--sandbox", "up", "examples/hello.toml", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    url = re.search(r"serving at (http://127\.0\.0\.1:\d+/)", up.stdout).group(1)
    assert get(url) == "hello from hostwiz (hi)\n"  # the daemon's nginx serves it after `up` has exited
    again = hostwiz(env, "--sandbox", "deploy", "hello", "examples/hello-app")
    assert again.returncode == 0 and f"serving at {url}" in again.stdout, again.stdout + again.stderr

    saved = dict(os.environ)
    session = open_session(Options(sandbox=True, state_dir=str(tmp_path / "state" / "sandbox")))
    try:
        assert session.lab.record.pid != os.getpid()  # attached, not an in-process sandbox
        ec2 = session.aws.client("ec2")
        with pytest.raises(ClientError) as refused:  # the realism model: a zone short of capacity
            ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                              Placement={"AvailabilityZone": "us-east-1a"})
        assert refused.value.response["Error"]["Code"] == "InsufficientInstanceCapacity"
        host, port = session.lab.health_endpoint()
        assert get(f"http://{host}:{port}/health") == "ok\n"  # the site stand-in the probes reach
    finally:
        session.close()
        os.environ.clear()
        os.environ.update(saved)

    stopped = hostwiz(env, "sandbox", "stop")
    assert "its stacks are gone with it: hello" in stopped.stdout
    with pytest.raises(OSError):
        get(url)  # the app and its nginx went with the daemon


MAKE_A_DATABASE = """
import sys
from hostwiz.services.session import Options, open_session
session = open_session(Options(sandbox=True, state_dir=sys.argv[1]))
session.aws.client("rds").create_db_instance(DBInstanceIdentifier="fresh", DBInstanceClass="db.t3.micro",
    Engine="postgres", MasterUsername="app", MasterUserPassword="sandbox-pass-1", AllocatedStorage=20)
session.close()
"""


def test_a_window_one_command_opens_holds_for_the_next_command(env, tmp_path, monkeypatch):
    """The realism model's memory is the daemon's: a database one command made is still `creating`
    for the next command, which AWS refuses to delete it meanwhile (in-process, one model saw both)."""
    from botocore.exceptions import ClientError

    from hostwiz.services.session import Options, open_session

    assert hostwiz(env, "sandbox", "start").returncode == 0
    home = str(tmp_path / "state" / "sandbox")
    # pace 100: AWS's 5 minutes of `creating` become 20 minutes, far beyond this test's few seconds
    made = subprocess.run([sys.executable, "-c", MAKE_A_DATABASE, home], env={**env, "HOSTWIZ_SANDBOX_PACE": "100"},
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr

    monkeypatch.setenv("HOSTWIZ_SANDBOX_PACE", "100")
    saved = dict(os.environ)
    session = open_session(Options(sandbox=True, state_dir=home))
    try:
        rds = session.aws.client("rds")
        assert rds.describe_db_instances(DBInstanceIdentifier="fresh")["DBInstances"][0]["DBInstanceStatus"] \
            == "creating"
        with pytest.raises(ClientError) as refused:
            rds.delete_db_instance(DBInstanceIdentifier="fresh", SkipFinalSnapshot=True)
        assert refused.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    finally:
        session.close()
        os.environ.clear()
        os.environ.update(saved)
    assert hostwiz(env, "sandbox", "stop").returncode == 0
