"""Screens on in-process moto: an app with a ready session, and helpers to drive it by keys.

moto's services warm up once per module (a shared `mock_aws`); each test has its own state dir
and uses its own stack names, and asserts only about those.
"""

from __future__ import annotations

import pytest

from hostwiz.screens import app as appmod
from hostwiz.screens.widgets import steps as stepw


@pytest.fixture(scope="module")
def shared_moto():
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def session(shared_moto, tmp_path):
    """The suite's session (fast waits, the sandbox's zone) on the module's moto, in sandbox mode so
    the SSH source is known offline."""
    from hostwiz.services.session import quick_session

    s = quick_session(tmp_path / "state")
    s.sandbox = True
    return s


@pytest.fixture
def make_app(session):
    """A HostwizApp on the test session (moto), in sandbox mode so the SSH source is known offline."""

    def make() -> appmod.HostwizApp:
        return appmod.HostwizApp(session=session)

    return make


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(stepw, "clock", lambda: 1000.0)
