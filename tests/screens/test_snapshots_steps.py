"""Snapshots of the runtime and database wizard steps at 120x36 and 80x24 (issue 15): the fields,
their hints and Back/Next must all be there at the smaller size too. Update with --snapshot-update
after a deliberate change, and look at the SVGs first."""

from __future__ import annotations

import pytest
from test_snapshots import blog_state, frozen, steady  # noqa: F401 (a fixture)

from hostwiz.screens.wizard.database import DatabaseStep
from hostwiz.screens.wizard.runtime import RuntimeStep

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize("step", [RuntimeStep, DatabaseStep], ids=["runtime", "database"])
def test_wizard_step(snap_compare, make_app, frozen, step, size):  # noqa: F811
    async def before(pilot):
        from pilot_helpers import settle

        await settle(pilot)
        pilot.app.push_screen(step(blog_state()))
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=before)
