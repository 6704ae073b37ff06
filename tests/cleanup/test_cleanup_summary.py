"""Cleanup's details pane always shows the selection's summary (count, monthly cost, by kind), not
only when the cursor is on one item (issue 15, finding 3: it was blank until then)."""

from __future__ import annotations

import asyncio

from .test_cleanup_screen import Harness, small_estate


def test_the_details_pane_sums_up_the_selection_whatever_the_cursor_is_on(session):
    small_estate(session.aws)

    async def drive():
        from textual.widgets import Tree

        app = Harness(session)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            screen.query_one("#prefix").value = "workshop"
            await pilot.press("f5")
            await app.workers.wait_for_complete()
            await pilot.pause()
            tree = screen.query_one("#tree", Tree)
            tree.move_cursor(tree.root.children[0])  # a group (a VPC), not one item
            await pilot.pause()
            first = str(screen.query_one("#detail").render())
            bucket = next(k for k in screen.selected if k.endswith("/s3-bucket/workshop-uploads"))
            tree.move_cursor(screen.nodes[bucket])
            tree.focus()
            await pilot.press("x")  # unselect it: the summary follows
            await pilot.pause()
            return first, str(screen.query_one("#detail").render()), len(screen.plan.resources)

    first, after, total = asyncio.run(drive())
    assert f"Selected: 6 of {total}" in first and "/month" in first and "s3-bucket" in first, first
    assert f"Selected: 5 of {total}" in after and "workshop-uploads" in after  # and the item under the cursor
