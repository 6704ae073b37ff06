"""Shared fixtures. Fake credentials and moto's images are set up before anything imports moto."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before any boto3 client or moto model exists (moto's "pesky imports" rule).
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "HOSTWIZ_SANDBOX_PACE": "0",
    "HOSTWIZ_ACCOUNT_PLAN": "unknown",  # plain moto has no Free Tier API (the realism model answers it)
    # moto answers "running" / "available" at once: the CLI's sessions check what up just made at once
    # (services.session.open_session; on AWS the first check waits for the typical minimum)
    "HOSTWIZ_EMULATED_AWS": "1",
})
# Never the operator's own state dir (nor a shared sandbox they may have running there).
os.environ["HOSTWIZ_STATE_DIR"] = tempfile.mkdtemp(prefix="hostwiz-test-state-")
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)

from hostwiz.sandbox import prepare_amis, serialise_moto  # noqa: E402

prepare_amis(Path(tempfile.mkdtemp(prefix="hostwiz-test-amis-")))
serialise_moto()  # moto's backends are not thread-safe; AWS applies each request whole

from hostwiz import secrets  # noqa: E402

secrets.use_memory_keyring()


@pytest.fixture(autouse=True)
def fresh_keyring():
    """Each test starts with an empty keyring: a stack key another test of this process stored under
    the same stack name (`ssh-key:blog`) would be read before the test's own key file."""
    secrets.use_memory_keyring()


@pytest.fixture
def moto():
    """In-process moto for one test."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    d = tmp_path / "state"
    d.mkdir()
    return d


@pytest.fixture
def session(moto, state_dir):
    """The suite's one session (`services.session.quick_session`): moto, fast waits, the sandbox's
    hosted zone. Screen tests use the same factory on a module-wide moto (tests/screens/conftest.py)."""
    from hostwiz.services.session import quick_session

    return quick_session(state_dir)


@pytest.fixture
def matrix_session(moto, state_dir):
    """The session of the reliability matrices: under the realism model of AWS (scaled windows),
    unless HOSTWIZ_REALISM=0; `.realism` is the model (absent on bare moto)."""
    from hwtest import matrix_session as make

    return make(state_dir)


@pytest.fixture
def spec_data() -> dict:
    """A full spec (domain, TLS, database) as the TOML would load it."""
    return {
        "name": "blog", "region": "us-east-1",
        "domain": {"name": "blog.example.com", "hosted_zone": "example.com", "www": True},
        "instance": {"type": "t3.micro", "os": "ubuntu-24.04", "volume_gb": 20, "ssh_cidr": "203.0.113.7/32"},
        "runtime": {"kind": "docker", "app_port": 3000, "tls": True},
        "database": {"engine": "postgres", "instance_class": "db.t3.micro", "storage_gb": 20},
    }


# The foundation and reliability proofs share these: a recorded session, a full spec, a finished stack.

@pytest.fixture
def recorder(session):
    from hwtest import Recorder

    return Recorder().install(session.aws)


@pytest.fixture
def full_spec(spec_data):
    from hostwiz import spec as specmod

    return specmod.validate(spec_data)


@pytest.fixture
def stack_up(session, recorder, full_spec):
    """A full stack (domain + www, TLS, database) made by `operations.up`; yields its UpResult."""
    from hostwiz.services import stacks as operations

    result = operations.up(session, full_spec, full_spec.instance.ssh_cidr)
    assert result.ok, result.error
    return result


@pytest.fixture
def moto_server():
    """A moto server on loopback for hostwiz subprocesses (`hwtest.moto_server_url`); yields its URL."""
    from hwtest import moto_server_url

    with moto_server_url() as url:
        yield url


@pytest.fixture
def no_aws(monkeypatch) -> list:
    """Any attempt to make an AWS client is recorded (and fails): a bad spec must make none."""
    attempts: list = []

    def refuse(self, service, region=None):
        attempts.append(service)
        raise AssertionError(f"an AWS client for {service} was made")

    from hostwiz.provisioners.aws import Aws

    monkeypatch.setattr(Aws, "client", refuse)
    return attempts


def pytest_collection_modifyitems(items):
    """A snapshot test takes one frame of a live app whose workers answer on threads. On a loaded
    2-core machine a frame was taken, about once in a few hundred, while Textual still had a layout
    pass to run (a table header drawn before its rows' widths were measured). A mismatch is retried
    up to twice with a fresh app; a real change of the screen fails all three times."""
    for item in items:
        if "snap_compare" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.flaky(reruns=2, only_rerun=["AssertionError"]))
