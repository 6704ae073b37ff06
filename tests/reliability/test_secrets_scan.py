"""Secrets, end to end: a full run with a database (up, status, the TUI's home and detail screens,
down) at DEBUG log level; then every log file, state file, screenshot and everything printed is
searched for the private key (whole, and line by line) and the DB password (alone, and in its
connection string): zero hits. The committed screenshots hold no key or unmasked connection string.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path

import tomli_w
from hwtest import files_containing, run_cli, stack_secrets

REPO = Path(__file__).resolve().parents[2]


async def screenshots(session, out: Path) -> list[Path]:
    from hostwiz.screens.app import HostwizApp
    from hostwiz.screens.detail import DetailScreen

    app = HostwizApp(session=session)
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        shots.append(Path(app.save_screenshot("home.svg", str(out))))
        app.push_screen(DetailScreen("blog"))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        shots.append(Path(app.save_screenshot("detail.svg", str(out))))
    return shots


def test_no_secret_anywhere_after_a_full_run(session, spec_data, tmp_path, state_dir, monkeypatch, capfd, figures):
    monkeypatch.setenv("HOSTWIZ_LOG_LEVEL", "DEBUG")
    spec_file = tmp_path / "blog.toml"
    spec_file.write_text(tomli_w.dumps(spec_data))
    cli = [("up", str(spec_file), "--yes"), ("status",), ("status", "blog"), ("status", "blog", "--json")]
    printed = []
    for argv in cli:
        code, out, err = run_cli([*argv, "--state-dir", str(state_dir)])
        assert code == 0, out + err
        printed += [out, err]
    found = stack_secrets(state_dir)
    key_file, needles = found.key_file, found.needles

    shots_dir = tmp_path / "screenshots"
    shots = asyncio.run(screenshots(session, shots_dir))
    assert "blog-db" in shots[1].read_text()  # the detail screen did show the stack
    before_down = files_containing(state_dir, needles, skip=key_file)

    code, out, err = run_cli(["down", "blog", "--yes", "--state-dir", str(state_dir)])
    assert code == 0, out + err
    printed += [out, err, *capfd.readouterr()]

    files = [p for p in state_dir.rglob("*") if p.is_file()] + shots
    logs = [p for p in files if p.suffix == ".log"]
    assert logs and "CreateDBInstance" in logs[0].read_text()  # botocore's DEBUG lines were logged
    assert before_down == []
    assert files_containing(state_dir, needles) == [] and files_containing(shots_dir, needles) == []
    hits = [i for stream in printed for i, n in enumerate(needles) if n in stream]
    assert hits == []
    figures.update(files_scanned=len(files) + len(before_down), log_files=len(logs), screenshots=len(shots),
                   streams_scanned=len(printed), secrets_searched=len(needles), hits=len(hits))


def test_committed_screenshots_hold_no_key_and_no_unmasked_connection_string(figures):
    shots = sorted((REPO / "screenshots").glob("*.svg"))
    for svg in shots:
        text = svg.read_text()
        assert "PRIVATE KEY" not in text, svg
        assert not re.search(r"(postgresql|mysql|mariadb)://[^:\s]+:(?!•)[^@\s]+@", text), svg
    figures.update(committed_screenshots=len(shots))


# App settings (hostwiz env): the values of secret and plain settings, through deploy, env set/list,
# releases, a restart, rollback, at DEBUG, against the real loopback instance of tests/deploy.
from deploy.conftest import instance, write_app  # noqa: E402,F401  (the fixture: sshd + nginx + release.sh)
from deploy.stack import cli_uses, make_stack  # noqa: E402


def test_no_setting_value_anywhere(instance, session, tmp_path, monkeypatch, capfd, figures):  # noqa: F811
    import subprocess

    from hostwiz import logsetup
    from hostwiz.services import deploy as uc
    from hostwiz.spec import validate
    from hostwiz.userdata import render

    log_file = logsetup.configure(session.state_dir, "DEBUG")
    make_stack(instance, session, tmp_path)
    cli_uses(monkeypatch, session)
    secret, plain = "tok-" + os.urandom(12).hex(), "plain-" + os.urandom(12).hex()
    app = write_app(tmp_path / "app", "python", "v1")
    printed: list[str] = []

    def cli(*argv: str) -> str:
        code, out, err = run_cli(list(argv))
        assert code == 0, out + err
        printed.extend([out, err])
        return out

    cli("deploy", "blog", str(app), "--json")
    cli("env", "blog", "set", f"GREETING={secret}", "--secret")
    cli("env", "blog", "set", f"PLAIN_NOTE={plain}")
    listed = cli("env", "blog", "list", "--json")
    assert {"key": "GREETING", "value": uc.MASK, "secret": True} in json.loads(listed)
    cli("env", "blog", "list")
    assert instance.get("/")[1] == f"python v1 {secret}"  # the app does have it

    listings = []  # process listings while release.sh builds, starts and switches a release
    def snapshot(stage: str, detail: str) -> None:
        listings.append(subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout)

    write_app(app, "python", "v2")
    from hostwiz import secrets as known

    known._known.clear()  # as in a fresh process: the deploy reads the decrypted settings from SSM
    uc.deploy(session, "blog", uc.SourceChoice(path=str(app)), on_event=snapshot)
    cli("releases", "blog", "--json")
    cli("rollback", "blog", "--json")
    cli("env", "blog", "unset", "PLAIN_NOTE")
    printed += list(capfd.readouterr())

    needles = [secret, plain]
    plain_in_list = [p for p in printed if plain in p]  # a plain setting is shown by `env list`, by design
    assert len(plain_in_list) == 2 and all("PLAIN_NOTE" in p for p in plain_in_list)
    hits = [i for stream in printed for i, n in enumerate(needles[:1]) if n in stream]
    assert hits == []
    assert "DEBUG" in log_file.read_text()
    assert files_containing(session.state_dir, needles) == []
    assert files_containing(instance.root, needles) == []  # releases, build and app logs, per-instance env
    assert [i for text in listings for i, n in enumerate(needles) if n in text] == []
    spec = validate({"name": "blog", "runtime": {"kind": "python"}, "app": {"source": ".", "env": {"A": "b"}}})
    assert not [n for n in needles if n in render(spec)]  # user-data: settings never travel in it
    files = [p for p in session.state_dir.rglob("*") if p.is_file()]
    figures.update(settings_files_scanned=len(files), settings_streams_scanned=len(printed),
                   settings_process_listings=len(listings), settings_hits=len(hits))
