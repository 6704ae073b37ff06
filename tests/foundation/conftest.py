"""Fixtures for the foundation proof: a session whose every call is recorded, and a finished full stack."""

from __future__ import annotations

import pytest
from hwtest import Recorder

from hostwiz import spec as specmod


@pytest.fixture
def recorder(session) -> Recorder:
    return Recorder().install(session.aws)


@pytest.fixture
def full_spec(spec_data) -> specmod.StackSpec:
    return specmod.validate(spec_data)


@pytest.fixture
def stack_up(session, recorder, full_spec):
    """A full stack (domain + www, TLS, database) made by `operations.up`; yields its UpResult."""
    from hostwiz.provisioners import operations

    result = operations.up(session, full_spec, full_spec.instance.ssh_cidr)
    assert result.ok, result.error
    return result
