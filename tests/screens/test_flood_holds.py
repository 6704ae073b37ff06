"""screens/flood.py under attack: a holder counts once, a release by one that never held cannot end
another's hold, and a screen opened and closed over another flooded one is collected, not frozen
until the last one closes."""

from __future__ import annotations

import gc
import weakref

import pytest

from hostwiz.screens import flood


@pytest.fixture(autouse=True)
def clean():
    assert flood.held() == 0
    yield
    while flood.held():
        flood.release(None) if flood._anonymous else flood.release(next(iter(flood._owners)))  # noqa: SLF001
    assert gc.get_freeze_count() == 0


class Thing:
    pass


def test_a_screen_that_never_held_cannot_release_anothers_hold():
    terminal, logs = Thing(), Thing()
    flood.hold(terminal)
    flood.release(logs)  # its mount failed before it held; its unmount still releases
    assert flood.held() == 1 and gc.get_freeze_count() > 0
    flood.hold(terminal)  # twice by the same owner: counted once
    flood.release(terminal)
    assert flood.held() == 0 and gc.get_freeze_count() == 0


def test_what_a_screen_over_another_left_behind_is_collected_while_the_other_stays_open():
    terminal, logs = Thing(), Thing()
    flood.hold(terminal)
    for _ in range(20):
        screen = Thing()
        screen.me = screen  # a cycle, as a screen and its widgets are
        gone = weakref.ref(screen)
        flood.hold(logs)
        flood.release(logs)
        del screen
        gc.collect()
        assert gone() is None  # was frozen by the second hold until the terminal closed too
    assert flood.held() == 1
    flood.release(terminal)
