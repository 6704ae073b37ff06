"""Screens on in-process moto: an app with a ready session, and helpers to drive it by keys."""

from __future__ import annotations

import pytest

from hostwiz.screens import app as appmod
from hostwiz.screens.widgets import steps as stepw

SIZE = (120, 36)


@pytest.fixture
def make_app(session):
    """A HostwizApp on the test session (moto); sandbox=True so the SSH source defaults offline."""
    session.sandbox = True

    def make() -> appmod.HostwizApp:
        return appmod.HostwizApp(session=session)

    return make


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(stepw, "clock", lambda: 1000.0)
