"""The wizard's export suggests the command for the AWS the app is on: in the sandbox, with
`--sandbox` (issue 15, finding 11)."""

from __future__ import annotations

from asyncio import run

from hostwiz.screens.wizard.review import ReviewStep

from pilot_helpers import SIZE, open_wizard, settle


def test_the_export_in_the_sandbox_suggests_a_sandbox_command(make_app, tmp_path):
    target = tmp_path / "expo.toml"

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            await pilot.press(*"expo")
            for _ in range(5):  # domain, instance, runtime, database, app (issue 14's step): the defaults
                await pilot.press("ctrl+n")
                await settle(pilot)
            assert isinstance(app.screen, ReviewStep)
            app.screen.query_one("#export-path").value = str(target)
            app.screen.query_one("#export").press()
            await settle(pilot)
            return [n.message for n in app._notifications]

    messages = run(scenario())
    assert target.exists()
    assert any(f"'hostwiz --sandbox up {target}'" in m for m in messages), messages
