"""The Deploy, Releases and Settings screens, driven with Pilot against the real loopback instance
(sshd + nginx + release.sh; settings on moto): a deploy with upload progress and build output, a
rollback from the releases table, a secret setting shown masked and reaching the app."""

from __future__ import annotations

import asyncio

import pytest
from hwtest import screen_host

from .conftest import write_app
from .stack import make_stack

pytestmark = pytest.mark.sshd


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_deploy_screen_ships_a_directory(instance, session, tmp_path):
    from hostwiz.screens.deploy import DeployScreen, Output, Stage, Uploaded

    make_stack(instance, session, tmp_path)
    app_dir = write_app(tmp_path / "app", "python", "v1")
    seen: list[object] = []
    host = screen_host(session, lambda: DeployScreen("blog", str(app_dir)))

    async def run() -> None:
        async with host.run_test(size=(120, 36), message_hook=seen.append) as pilot:
            await settle(host, pilot)
            assert "python app, started with python app.py  (from default)" in str(
                host.screen.query_one("#deploy-plan").render())
            await pilot.click("#go")
            await settle(host, pilot)
            await settle(host, pilot)
            log = "\n".join(line.text for line in host.screen.query_one("#deploy-log").lines)
            assert "switch: nginx to release" in log and "✔ release" in log
            host.save_screenshot("deploy.svg", str(tmp_path))

    asyncio.run(run())
    assert instance.get("/")[1] == "python v1 "
    uploads = [m for m in seen if isinstance(m, Uploaded)]
    assert uploads and uploads[-1].sent == uploads[-1].total
    assert {m.stage for m in seen if isinstance(m, Stage)} >= {"upload", "build", "health", "switch", "done"}


def test_releases_screen_rolls_back_and_settings_screen_masks(instance, session, tmp_path):
    from hostwiz.screens.releases import ReleasesScreen
    from hostwiz.screens.settings import SettingsScreen
    from hostwiz.services import deploy as uc

    make_stack(instance, session, tmp_path)
    app_dir = write_app(tmp_path / "app", "python", "v1")
    first = uc.deploy(session, "blog", uc.SourceChoice(path=str(app_dir))).release_id
    write_app(app_dir, "python", "v2")
    uc.deploy(session, "blog", uc.SourceChoice(path=str(app_dir)))
    host = screen_host(session, lambda: ReleasesScreen("blog"))

    async def releases() -> None:
        async with host.run_test(size=(120, 36)) as pilot:
            await settle(host, pilot)
            table = host.screen.query_one("#releases")
            assert table.row_count == 2 and table.get_row_at(0)[0] == "●"
            table.move_cursor(row=1)
            await pilot.press("b")
            await pilot.pause()
            await pilot.click("#answer-yes")
            await settle(host, pilot)
            await settle(host, pilot)
            assert host.screen.query_one("#releases").get_row_at(1)[:2] == ["●", first]

    asyncio.run(releases())
    assert instance.get("/")[1] == "python v1 "

    value = "s3cr3t-screen-value"
    host = screen_host(session, lambda: SettingsScreen("blog"))

    async def settings() -> None:
        async with host.run_test(size=(120, 36)) as pilot:
            await settle(host, pilot)
            host.screen.query_one("#key").value = "GREETING"
            host.screen.query_one("#value").value = value
            await pilot.click("#set")
            await settle(host, pilot)
            await settle(host, pilot)
            assert "restarted with them" in str(host.screen.query_one("#settings-status").render())
            assert host.screen.query_one("#settings").get_row_at(0) == ["GREETING", uc.MASK, "secret"]
            assert host.screen.query_one("#value").value == ""
            svg = host.save_screenshot("settings.svg", str(tmp_path))
            assert value not in open(svg).read()

    asyncio.run(settings())
    assert instance.get("/")[1] == f"python v1 {value}"
