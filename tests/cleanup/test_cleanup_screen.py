"""The cleanup screen on moto: find by prefix, unselect one item, typed confirmation, report."""

from __future__ import annotations

import asyncio

from textual.app import App

from .estate import build, inventory


class Harness(App):
    def __init__(self, session):
        super().__init__()
        self.session, self.sandbox = session, True

    def on_mount(self) -> None:
        from hostwiz.screens.cleanup import CleanupScreen

        self.push_screen(CleanupScreen())


def test_screen_finds_selects_confirms_and_reports(session):
    ids = build(session.aws, "workshop", 10)
    bucket = asyncio.run(drive(session, ids))
    after = inventory(session.aws)
    assert bucket in after
    assert not any(ids["vpc"] in k for k in after)


async def drive(session, ids) -> str:
    from hostwiz.screens.cleanup import CleanupScreen, ConfirmCleanup

    app = Harness(session)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, CleanupScreen)
        screen.query_one("#prefix").value = "workshop"
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.plan is not None and len(screen.selected) > 40
        assert "123456789012" in str(screen.query_one("#status").render())
        # unselect the bucket: it must survive
        bucket = next(k for k in screen.selected if k.endswith("/s3-bucket/workshop-uploads"))
        tree = screen.query_one("#tree")
        tree.move_cursor(screen.nodes[bucket])
        tree.focus()
        await pilot.press("enter")
        assert bucket not in screen.selected
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCleanup)
        app.screen.query_one("#account").value = "wrong"
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmCleanup)  # a wrong account deletes nothing
        app.screen.query_one("#account").value = "123456789012"
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        report = str(screen.query_one("#detail").render())
        assert "Deleted" in report
        assert screen.status[f"us-east-1/vpc/{ids['vpc']}"].startswith("✔")
    return bucket
