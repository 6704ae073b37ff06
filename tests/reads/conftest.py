"""Fixtures for the single-stack read counts: a session whose every AWS call is counted."""

from __future__ import annotations

import pytest

from .account import Calls


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def session(moto, state_dir, calls):
    """The suite's session (`quick_session`), its calls counted from its first client on."""
    from hostwiz.services.session import quick_session

    return quick_session(state_dir, hooks=[("provide-client-params", calls.hook)])
