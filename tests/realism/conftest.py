"""Fixtures for the realism proofs: a session on in-process moto under the realism model."""

from __future__ import annotations

import pytest


@pytest.fixture
def real_session(moto, state_dir):
    """A session under `sandbox.realism.for_tests()` (AWS's windows as fractions of a second);
    `real_session.realism` is the model (its `refused` counter says what it answered)."""
    from hwtest import realistic_session

    return realistic_session(state_dir)


@pytest.fixture
def slow_session(moto, state_dir):
    """Wider windows (0.3 s at least), so that a test can be sure to call inside one."""
    from hwtest import realistic_session

    return realistic_session(state_dir, floor=0.3)
