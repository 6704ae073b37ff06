"""Secrets, end to end: a full run with a database (up, status, the TUI's home and detail screens,
down) at DEBUG log level; then every log file, state file, screenshot and everything printed is
searched for the private key (whole, and line by line) and the DB password (alone, and in its
connection string): zero hits. The committed screenshots hold no key or unmasked connection string.
"""

from __future__ import annotations

import asyncio
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
