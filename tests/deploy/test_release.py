"""release.sh for real: over OpenSSH's sshd to a loopback "instance", with nginx in front and a real
small app per runtime (conftest). systemd is stood in for by release.sh's setsid supervisor."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from hostwiz.deploy import DeployError, deploy, pack_directory, plan, releases, restart, rollback
from hostwiz.deploy.source import image_plan

from .conftest import write_app

pytestmark = pytest.mark.sshd


def ship(instance, app_dir, **kw):
    src = pack_directory(app_dir)
    return deploy(instance.transport, instance.target, src, plan(app_dir, kw.pop("start", None)), **kw)


def test_first_deploy_of_a_python_app_serves_through_nginx(instance, tmp_path):
    assert instance.get("/")[0] == 503  # nothing deployed yet
    app = write_app(tmp_path / "app", "python")
    events, progress = [], []
    result = ship(instance, app, env={"GREETING": "hello"}, on_event=lambda s, d: events.append(s),
                  progress=lambda sent, total: progress.append((sent, total)))
    status, body, served_by = instance.get("/")
    assert (status, body) == (200, "python v1 hello")
    assert served_by.startswith(result.release_id + "-")
    assert result.previous_id is None and result.files_sent == 3 and result.files_linked == 0
    assert progress and progress[-1][0] == result.bytes_sent
    assert [s for s in events if s in ("build", "start", "health", "switch", "done")] == \
        ["build", "start", "health", "switch", "done"]
    rel = instance.root / "releases" / result.release_id
    assert (instance.root / "current").resolve() == rel.resolve()
    assert (rel / ".venv" / "bin" / "python").exists()  # a venv per release
    assert oct((rel / ".hostwiz" / "env").stat().st_mode & 0o777) == "0o600"
    [listed] = releases(instance.transport, instance.target)
    assert (listed.id, listed.status, listed.current, listed.runtime) == (result.release_id, "live", True, "python")
    assert listed.source == f"dir:{app.resolve()}" and "@" in listed.who and listed.when.endswith("Z")
    # the metadata directory is not served
    assert instance.get("/.hostwiz/env")[1] != "GREETING=hello\n"


def test_redeploy_sends_only_the_changed_file_and_hard_links_the_rest(instance, tmp_path):
    app = write_app(tmp_path / "app", "python")
    for i in range(120):
        (app / "assets").mkdir(exist_ok=True)
        (app / "assets" / f"f{i:03}.bin").write_bytes(os.urandom(8192))
    first = ship(instance, app)
    old_rel = instance.root / "releases" / first.release_id
    (old_rel / "assets" / "written-at-run-time.tmp").write_text("x")  # not part of any release
    (app / "version.txt").write_text("v2\n")
    (app / "assets" / "f119.bin").unlink()
    second = ship(instance, app)
    assert instance.get("/")[1] == "python v2 "
    assert second.files_sent == 1 and second.files_linked == 121 and second.previous_id == first.release_id
    new_rel = instance.root / "releases" / second.release_id
    shipped = sorted(str(p.relative_to(new_rel)) for p in new_rel.rglob("*")
                     if p.is_file() and not {".hostwiz", ".venv"} & set(p.parts))
    assert shipped == sorted(["app.py", "requirements.txt", "version.txt"] + [f"assets/f{i:03}.bin" for i in range(119)])
    assert second.bytes_sent < first.bytes_sent * 0.05, (second.bytes_sent, first.bytes_sent)
    old = instance.root / "releases" / first.release_id / "assets" / "f007.bin"
    new = instance.root / "releases" / second.release_id / "assets" / "f007.bin"
    assert old.stat().st_ino == new.stat().st_ino  # the same file, linked
    assert (instance.root / "releases" / first.release_id / "version.txt").read_text() == "v1\n"
    statuses = {r.id: r.status for r in releases(instance.transport, instance.target)}
    assert statuses == {first.release_id: "stopped", second.release_id: "live"}
    assert len(instance.running_pids()) == 1  # the old instance was stopped


def test_build_failure_keeps_the_old_release_serving(instance, tmp_path):
    app = write_app(tmp_path / "app", "python")
    good = ship(instance, app)
    (app / "requirements.txt").write_text("this is not a requirement !!!\n")
    (app / "version.txt").write_text("v2\n")
    with pytest.raises(DeployError) as err:
        ship(instance, app)
    assert err.value.stage == "build"
    assert "Invalid requirement" in err.value.log_tail or "invalid" in err.value.log_tail.lower()
    status, body, served_by = instance.get("/")
    assert (status, body) == (200, "python v1 ") and served_by.startswith(good.release_id)
    statuses = {r.id: r.status for r in releases(instance.transport, instance.target)}
    assert statuses[good.release_id] == "live" and statuses[err.value.release_id] == "failed"


def test_an_app_that_never_opens_its_port_keeps_the_old_release_serving(instance, tmp_path):
    app = write_app(tmp_path / "app", "python")
    good = ship(instance, app)
    instance.target.health_timeout = 3
    (app / "version.txt").write_text("v2\n")
    with pytest.raises(DeployError) as err:
        ship(instance, app, start="echo starting up, never listening; exec sleep 600")
    assert err.value.stage == "health" and "GET /health" in err.value.message
    assert "never listening" in err.value.log_tail  # the app's own log
    assert instance.get("/")[1] == "python v1 "
    assert len(instance.running_pids()) == 1  # the candidate was stopped
    # an app that exits at once fails at start, without waiting for the timeout
    with pytest.raises(DeployError) as err:
        ship(instance, app, start="echo 'ImportError: no module named flask' >&2; exit 3")
    assert err.value.stage == "start" and "ImportError" in err.value.log_tail
    assert instance.get("/")[2].startswith(good.release_id)


def test_rollback_switches_back_without_rebuilding(instance, tmp_path):
    app = write_app(tmp_path / "app", "python")
    v1 = ship(instance, app)
    (app / "version.txt").write_text("v2\n")
    v2 = ship(instance, app)
    assert instance.get("/")[1] == "python v2 "
    venv = instance.root / "releases" / v1.release_id / ".venv" / "pyvenv.cfg"
    before = venv.stat().st_mtime_ns
    back = rollback(instance.transport, instance.target)
    assert back.release_id == v1.release_id and back.previous_id == v2.release_id
    assert instance.get("/")[1] == "python v1 "
    assert venv.stat().st_mtime_ns == before  # not rebuilt
    assert not any(stage == "build" for stage, _ in back.events)
    statuses = {r.id: (r.status, r.current) for r in releases(instance.transport, instance.target)}
    assert statuses == {v1.release_id: ("live", True), v2.release_id: ("stopped", False)}
    # and forward again, by id
    rollback(instance.transport, instance.target, v2.release_id)
    assert instance.get("/")[1] == "python v2 "
    with pytest.raises(DeployError, match="already serving"):
        rollback(instance.transport, instance.target, v2.release_id)
    with pytest.raises(DeployError, match="no release nope"):
        rollback(instance.transport, instance.target, "nope")


def test_restart_starts_the_serving_release_afresh(instance, tmp_path):
    app = write_app(tmp_path / "app", "python")
    v1 = ship(instance, app)
    first = instance.get("/")[2]
    (instance.root.parent / "app.env").write_text("GREETING=from-settings\n")
    restart(instance.transport, instance.target)
    status, body, served_by = instance.get("/")
    assert body == "python v1 from-settings" and served_by != first and served_by.startswith(v1.release_id)
    assert len(instance.running_pids()) == 1


def test_the_last_five_releases_are_kept(instance, tmp_path):
    app = write_app(tmp_path / "app", "static")
    ids = []
    for i in range(7):
        (app / "index.html").write_text(f"<h1>static v{i}</h1>\n")
        ids.append(ship(instance, app).release_id)
    assert instance.get("/")[1] == "<h1>static v6</h1>\n"
    kept = sorted(p.name for p in (instance.root / "releases").iterdir())
    assert kept == sorted(ids[-5:])
    # the serving release is kept even when older than the five newest
    rollback(instance.transport, instance.target, ids[2])
    for i in range(5):
        (app / "index.html").write_text(f"<h1>static w{i}</h1>\n")
        ship(instance, app)
    kept = {p.name for p in (instance.root / "releases").iterdir()}
    assert len(kept) == 5 and ids[2] not in kept
    rollback(instance.transport, instance.target)  # the newest stopped one
    assert instance.get("/")[1] == "<h1>static w3</h1>\n"


def test_ignore_files_are_honoured_on_the_instance(instance, tmp_path):
    app = write_app(tmp_path / "app", "static")
    (app / ".gitignore").write_text("*.log\nbuild/\n")
    (app / ".hostwizignore").write_text("secrets.txt\n")
    (app / "debug.log").write_text("x")
    (app / "build").mkdir()
    (app / "build" / "out.js").write_text("x")
    (app / "secrets.txt").write_text("x")
    (app / ".git").mkdir()
    (app / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    result = ship(instance, app)
    rel = instance.root / "releases" / result.release_id
    shipped = sorted(str(p.relative_to(rel)) for p in rel.rglob("*") if ".hostwiz" not in p.parts)
    assert shipped == [".gitignore", ".hostwizignore", "index.html", "version.txt"]


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_node_app_with_npm_ci(instance, tmp_path):
    app = write_app(tmp_path / "app", "nodejs")
    result = ship(instance, app)
    assert instance.get("/")[1] == "node v1"
    assert (instance.root / "releases" / result.release_id / "node_modules" / "greet").is_symlink()  # npm ci ran


def _php_fpm() -> bool:
    return bool(shutil.which("php-fpm") or any(n.startswith("php-fpm") for n in os.listdir("/usr/sbin")))


@pytest.mark.skipif(not _php_fpm(), reason="php-fpm is not installed")
def test_php_app_through_its_own_fpm_pool(instance, tmp_path):
    app = write_app(tmp_path / "app", "php")
    ship(instance, app)
    assert instance.get("/")[1] == "php v1"
    (app / "version.txt").write_text("v2\n")
    ship(instance, app)
    assert instance.get("/")[1] == "php v2"
    assert len(instance.running_pids()) == 1


def test_two_deploys_at_once_the_second_is_refused(instance, tmp_path):
    app = write_app(tmp_path / "app", "python")
    ship(instance, app)
    lock = open(instance.root / ".lock", "w")
    import fcntl

    fcntl.flock(lock, fcntl.LOCK_EX)  # as a concurrent deploy holds it
    try:
        with pytest.raises(DeployError) as err:
            ship(instance, app)
        assert err.value.stage == "busy"
    finally:
        lock.close()
    assert instance.get("/")[1] == "python v1 "


def test_image_plan_refuses_what_is_not_an_image_reference():
    from hostwiz.deploy import SourceError

    assert image_plan("ghcr.io/acme/app:v2").runtime == "image"
    with pytest.raises(SourceError):
        image_plan("app; rm -rf /")


class Client(threading.Thread):
    """A request every 10 ms through nginx; counts what answered 200 and what did not."""

    def __init__(self, instance):
        super().__init__(daemon=True)
        self.instance, self.ok, self.failed, self.errors = instance, 0, 0, []
        self.bodies: set[str] = set()
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.01):  # pacing, not a wait for something
            try:
                status, body, _ = self.instance.get("/", timeout=5)
            except Exception as e:  # noqa: BLE001 - every failure counts
                status, body = 0, repr(e)
            if status == 200:
                self.ok += 1
                self.bodies.add(body)
            else:
                self.failed += 1
                self.errors.append((status, body[:200]))

    def stop(self):
        self.stopping.set()
        self.join(10)


@pytest.mark.parametrize("runtime", ["python", "static"])
def test_zero_downtime_during_deploy_and_rollback(instance, tmp_path, runtime, record_property):
    app = write_app(tmp_path / "app", runtime)
    ship(instance, app)
    client = Client(instance)
    client.start()
    try:
        (app / "version.txt").write_text("v2\n")
        (app / "index.html").exists() and (app / "index.html").write_text("<h1>static v2</h1>\n")
        ship(instance, app)
        during_deploy = (client.ok, client.failed)
        rollback(instance.transport, instance.target)
        time.sleep(0.2)  # a few more requests after the switch, on the rolled-back release
    finally:
        client.stop()
    record_property("requests", {"deploy": during_deploy, "total": (client.ok, client.failed)})
    print(f"\nzero-downtime {runtime}: deploy ok={during_deploy[0]} failed={during_deploy[1]}; "
          f"deploy+rollback ok={client.ok} failed={client.failed}")
    assert client.failed == 0, client.errors[:5]
    assert during_deploy[0] > 20 and client.ok > during_deploy[0]
    assert len(client.bodies) == 2  # both versions answered during the run
