"""The deploy use cases and commands (services/deploy.py, cli/deploy.py, releases, rollback, env)
against the real loopback instance of conftest: OpenSSH's sshd reached through the session's pool
(host key pinned and verified), nginx in front, release.sh for real, settings in SSM (moto)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from hwtest import files_containing, run_cli

from .conftest import write_app
from .stack import cli_uses, make_stack

pytestmark = pytest.mark.sshd


@pytest.fixture
def blog(instance, session, tmp_path, monkeypatch):
    target = make_stack(instance, session, tmp_path)
    cli_uses(monkeypatch, session)
    return target


def test_cli_deploy_then_rollback(instance, blog, tmp_path):
    app = write_app(tmp_path / "app", "python", "v1")
    code, out, err = run_cli(["deploy", "blog", str(app)])
    assert code == 0, out + err
    assert instance.get("/")[:2] == (200, "python v1 ")
    assert "upload [" in err and "100%" in err  # the byte progress bar, on stderr
    assert "hostwiz: build: python" in err and "hostwiz: switch: nginx to release" in err
    first = out.split()[1]
    assert out.startswith(f"Release {first} of blog is serving at http://127.0.0.1:{instance.http_port}/")

    write_app(app, "python", "v2")
    code, out, err = run_cli(["deploy", "blog", str(app), "--json"])
    assert code == 0, out + err
    second = json.loads(out)
    assert second["ok"] and second["files_sent"] == 1 and second["previous_id"] == first
    assert instance.get("/")[1] == "python v2 "

    code, out, err = run_cli(["releases", "blog"])
    assert code == 0, err
    rows = [line for line in out.splitlines() if first in line or second["release_id"] in line]
    assert rows[0].startswith(f"* {second['release_id']}") and "live" in rows[0]
    assert rows[1].startswith(f"  {first}") and "stopped" in rows[1]

    code, out, err = run_cli(["rollback", "blog"])
    assert code == 0, out + err
    assert f"Release {first} of blog is serving again (was {second['release_id']})" in out
    assert instance.get("/")[1] == "python v1 "
    code, out, _ = run_cli(["releases", "blog", "--json"])
    assert [r["id"] for r in json.loads(out) if r["current"]] == [first]


def test_a_failed_deploy_shows_the_app_log_and_keeps_the_old_release(instance, blog, tmp_path):
    app = write_app(tmp_path / "app", "python", "v1")
    assert run_cli(["deploy", "blog", str(app)])[0] == 0
    (app / "app.py").write_text('import sys\nsys.exit("boom: DATABASE_HOST is not set")\n')
    code, out, err = run_cli(["deploy", "blog", str(app)])
    assert code == 1
    assert "deploy failed at start: the app exited before answering" in err
    assert "boom: DATABASE_HOST is not set" in err  # the app log's tail
    assert "the release that was serving still serves" in err
    assert instance.get("/")[1] == "python v1 "


def test_bad_input_exits_2_before_touching_the_instance(instance, blog, tmp_path):
    assert run_cli(["deploy", "blog", str(tmp_path / "nowhere")])[0] == 2
    code, _, err = run_cli(["deploy", "nosuch", str(tmp_path)])
    assert code == 2 and "no stack named 'nosuch'" in err
    code, _, err = run_cli(["deploy", "blog", "--ref", "v1"])
    assert code == 2 and "--ref goes with --git" in err
    code, _, err = run_cli(["deploy", "blog", "--image", "not an image"])
    assert code == 2 and "not an image reference" in err
    code, _, err = run_cli(["rollback", "blog", "20990101T000000000Z-0000"])
    assert code == 2 and "no release" in err
    assert not (instance.root / "releases").exists() or not any((instance.root / "releases").iterdir())


def test_a_second_deploy_of_the_stack_fails_fast_naming_the_holder(instance, blog, session, tmp_path):
    from hostwiz.ledger import Ledger

    app = write_app(tmp_path / "app", "python", "v1")
    with Ledger(session.state_dir, "blog").lock("deploy"):
        code, _, err = run_cli(["deploy", "blog", str(app)])
    assert code == 1
    assert f"stack 'blog' is busy: pid {os.getpid()}" in err and "running 'deploy'" in err
    assert instance.get("/")[0] == 503  # nothing was shipped


def test_env_set_restarts_the_app_with_a_secret_that_is_shown_nowhere(instance, blog, session, tmp_path):
    app = write_app(tmp_path / "app", "python", "v1")
    assert run_cli(["deploy", "blog", str(app)])[0] == 0
    value = "s3cr3t-" + os.urandom(8).hex()
    code, out, err = run_cli(["env", "blog", "set", f"GREETING={value}", "--secret"])
    assert code == 0, out + err
    assert "restarted with them" in out
    assert instance.get("/")[1] == f"python v1 {value}"  # the running release has it
    assert oct(os.stat(blog.settings_env).st_mode & 0o777) == "0o600"

    printed = [out, err]
    for argv in (["env", "blog", "list"], ["env", "blog", "list", "--json"], ["releases", "blog", "--json"],
                 ["deploy", "blog", str(app), "--json"]):
        code, out, err = run_cli(argv)
        assert code == 0, out + err
        printed += [out, err]
    assert "GREETING  ••••••  (secret)" in printed[2]
    assert not [p for p in printed if value in p]
    assert files_containing(session.state_dir, [value]) == []
    listing = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout
    assert value not in listing
    assert instance.get("/")[1] == f"python v1 {value}"  # a new release starts with it too

    code, out, err = run_cli(["env", "blog", "unset", "GREETING", "NEVER_SET"])
    assert code == 0, out + err
    assert "removed GREETING; not set: NEVER_SET" in out
    assert instance.get("/")[1] == "python v1 "


def test_env_bad_input(blog):
    code, _, err = run_cli(["env", "blog", "set", "1BAD=x"])
    assert code == 2 and "not a setting name" in err
    code, _, err = run_cli(["env", "blog", "set", "NOVALUE"])
    assert code == 2 and "KEY=VALUE" in err


def test_the_first_deploy_replaces_the_bootstraps_proxy_site(instance, session, tmp_path, monkeypatch):
    """The instance as the bootstrap leaves it: nginx's site proxies to the placeholder app. The first
    deploy installs the release site in its place (once), and the app serves through it."""
    import dataclasses
    import subprocess
    import sys

    from hostwiz.services import deploy as uc
    from hostwiz.userdata import _fill

    from .conftest import free_port

    placeholder = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(placeholder), "--bind", "127.0.0.1"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        site = instance.nginx_dir / "site.conf"
        site.write_text(_fill("nginx-proxy.conf.tmpl", {"app_port": str(placeholder), "server_names": "_"})
                        .replace("listen 80 default_server;", f"listen 127.0.0.1:{instance.http_port};")
                        .replace("listen [::]:80 default_server;", ""))
        subprocess.run(["nginx", "-c", instance.target.nginx_conf, "-s", "reload"], check=True)
        for _ in range(100):
            if instance.get("/")[0] == 200 and "Directory listing" in instance.get("/")[1]:
                break
            threading_wait(0.05)
        assert "Directory listing" in instance.get("/")[1]  # the placeholder, through the bootstrap's site

        make_stack(instance, session, tmp_path)
        target = dataclasses.replace(session.deploy_target("i-0abc1234def567890"), nginx_site=str(site),
                                     site_listen=(f"127.0.0.1:{instance.http_port}",))
        session.deploy_target = lambda iid: target
        events = []
        app = write_app(tmp_path / "app", "python", "v1")
        uc.deploy(session, "blog", uc.SourceChoice(path=str(app)), on_event=lambda s, d: events.append((s, d)))
        assert ("site", f"nginx site for releases installed {site}") in events
        assert instance.get("/")[1] == "python v1 "
        assert str(instance.root / "nginx" / "live.conf") in site.read_text()
        assert "proxy_pass http://127.0.0.1:%d" % placeholder in (site.parent / "site.conf.hostwiz-bootstrap").read_text()
        events.clear()
        write_app(app, "python", "v2")
        uc.deploy(session, "blog", uc.SourceChoice(path=str(app)), on_event=lambda s, d: events.append((s, d)))
        assert not [e for e in events if e[0] == "site"]  # once only
        assert instance.get("/")[1] == "python v2 "
    finally:
        proc.terminate()
        proc.wait()


def threading_wait(seconds: float) -> None:
    import threading

    threading.Event().wait(seconds)


def test_cli_deploy_from_git_at_a_ref(instance, blog, tmp_path):
    repo = write_app(tmp_path / "repo", "python", "v1")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git[:3], "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], check=True)
    subprocess.run([*git, "tag", "v1"], check=True)
    write_app(repo, "python", "v2")
    subprocess.run([*git, "commit", "-qam", "v2"], check=True)
    code, out, err = run_cli(["deploy", "blog", "--git", f"file://{repo}", "--ref", "v1", "--json"])
    assert code == 0, out + err
    assert json.loads(out)["source"].startswith(f"git:file://{repo}@")
    assert instance.get("/")[1] == "python v1 "
    code, _, err = run_cli(["deploy", "blog", "--git", f"file://{repo}", "--ref", "nope"])
    assert code == 2 and "has no ref 'nope'" in err
    assert instance.get("/")[1] == "python v1 "


def test_the_example_spec_with_an_app_is_valid_and_its_app_detected():
    from pathlib import Path

    from hostwiz import spec as specmod
    from hostwiz.services import deploy as uc

    examples = Path(__file__).resolve().parents[2] / "examples"
    spec = specmod.load(examples / "hello.toml")
    plan = uc.preview(examples / spec.app.source)
    assert (plan.runtime, plan.start, plan.start_from) == ("python", "python app.py", "Procfile")


def test_down_plans_the_app_settings_with_the_stack(instance, blog, session):
    from hostwiz.services import deploy as uc
    from hostwiz.services import stacks

    uc.env_set(session, "blog", {"GREETING": "hello", "OTHER": "x"})  # nothing deployed yet: no restart
    planned = [r.id for r in stacks.plan_down(session, "blog").resources]
    assert {"/hostwiz/blog/env/GREETING", "/hostwiz/blog/env/OTHER"} <= set(planned)
