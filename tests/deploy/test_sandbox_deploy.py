"""The sandbox deploys for real (sandbox/deploy_host.py): `up` of a spec with [app] waits for the
pretend bootstrap and ships the app; the sandbox instance's SSH server runs release.sh with this
machine's bash in the instance's directory, and the app answers through its loopback nginx. The
pretend shell still answers any other command; stopping the sandbox stops the app."""

from __future__ import annotations

import os
import threading
import urllib.request
from pathlib import Path

import pytest

from hostwiz import spec as specmod

from .conftest import need, write_app

pytestmark = pytest.mark.sshd


@pytest.fixture
def sandbox_session(tmp_path):
    from hostwiz.services.session import Options, open_session

    need("nginx", "nginx-light", "/usr/sbin/nginx")
    saved = dict(os.environ)
    session = open_session(Options(sandbox=True, state_dir=str(tmp_path / "state")))
    try:
        yield session
    finally:
        session.close()
        os.environ.clear()
        os.environ.update(saved)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def test_up_with_an_app_deploys_it_in_the_sandbox(sandbox_session, tmp_path):
    from hostwiz.services import deploy as uc
    from hostwiz.services import stacks
    from hostwiz.services.ssh import pool

    session = sandbox_session
    app = write_app(tmp_path / "site" / "app", "python", "v1")
    spec = specmod.validate({"name": "hello", "runtime": {"kind": "python"},
                             "app": {"source": "app", "env": {"GREETING": "from-the-spec"}}})
    notices: list[str] = []
    result = stacks.up(session, spec, "127.0.0.1/32", lambda e: notices.append(e.message), app_base=app.parent)
    assert result.ok and not result.app_error, result.app_error
    assert any("app: bootstrap: finished: success" in n for n in notices)
    assert any(n.startswith("app: switch: nginx to release") for n in notices)
    url = result.outputs["app_url"]
    assert url.startswith("http://127.0.0.1:") and get(url) == "python v1 from-the-spec"

    write_app(app, "python", "v2")
    second = uc.deploy(session, "hello", uc.SourceChoice(path=str(app)))
    assert second.files_sent == 1 and get(url) == "python v2 from-the-spec"
    uc.rollback(session, "hello")
    assert get(url) == "python v1 from-the-spec"
    assert pool(session).run("hello", "uname -a")[1].startswith("Linux ip-")  # the pretend shell, as before

    root = session.deploy_target(result.outputs["instance_id"]).root
    pids = [int(p.read_text()) for p in (Path(root) / "run").glob("*.pid")]
    assert pids
    session.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            for _ in range(50):
                os.kill(pid, 0)
                threading.Event().wait(0.1)  # SIGTERM, then the group exits
    with pytest.raises(OSError):
        get(url)


def test_cli_up_with_an_app_that_cannot_start_exits_1_and_keeps_the_stack(tmp_path, monkeypatch):
    """`hostwiz --sandbox up SPEC --yes`: the stack is made, the app's deploy fails at its start, the
    command exits 1 with the app log's tail and says how to retry; a good app then exits 0."""
    from hwtest import run_cli

    need("nginx", "nginx-light", "/usr/sbin/nginx")
    saved = dict(os.environ)
    try:
        app = write_app(tmp_path / "app", "python", "v1")
        (app / "app.py").write_text('import sys\nsys.exit("boom: no DATABASE_URL")\n')
        spec = tmp_path / "hello.toml"
        spec.write_text('name = "hello-cli"\n[runtime]\nkind = "python"\n[app]\nsource = "app"\n')
        code, out, err = run_cli(["--sandbox", "up", str(spec), "--yes", "--state-dir", str(tmp_path / "s1")])
        assert code == 1, out + err
        assert "Stack hello-cli is ready." in out
        assert "The app was not deployed: start: the app exited before answering" in out
        assert "boom: no DATABASE_URL" in out
        assert "run 'hostwiz deploy hello-cli [PATH]'" in out

        write_app(app, "python", "v1")
        spec.write_text(spec.read_text().replace('"hello-cli"', '"hello-two"'))  # (one process: a fresh key)
        code, out, err = run_cli(["--sandbox", "up", str(spec), "--yes", "--state-dir", str(tmp_path / "s2")])
        assert code == 0, out + err
        assert "App:  release " in out and "serving at http://127.0.0.1:" in out
    finally:
        os.environ.clear()
        os.environ.update(saved)
