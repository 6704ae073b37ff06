"""`hostwiz down` when AWS keeps throttling: the message says so (the API kept asking to slow down,
how many tries were made, and that the same command resumes safely), never that the credentials
lack permissions; and nothing was deleted."""

from __future__ import annotations

import dataclasses

import pytest
from hwtest import counts, inventory, run_cli
from throttle import Throttle

from hostwiz import spec as specmod
from hostwiz.provisioners.aws import RETRY_CONFIG, Aws
from hostwiz.services import stacks as operations
from hostwiz.services.session import quick_session

TRIES = RETRY_CONFIG["max_attempts"] + 1  # botocore's max_attempts counts the retries after the first try


def persistent(monkeypatch) -> Throttle:
    """Every request of every `Aws` made from now on throttled, as long as it is retried; botocore's
    own backoff between tries made instant (its count of tries is what the test looks at)."""
    from botocore.retries import standard

    throttle = Throttle(rate=1.0, max_in_a_row=10**6)
    real = Aws.__post_init__

    def post_init(self: Aws) -> None:
        real(self)
        for hook in throttle.hooks():
            if hook not in self.hooks:
                self.hooks.append(hook)

    monkeypatch.setattr(Aws, "__post_init__", post_init)
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    return throttle


def test_down_under_persistent_throttling_says_throttled_tries_and_resume(moto_server, state_dir, spec_data,
                                                                          monkeypatch):
    session = quick_session(state_dir, endpoint_url=moto_server)
    assert operations.up(session, specmod.validate(spec_data), "203.0.113.7/32").ok
    before = counts(inventory("blog", moto_server))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    throttle = persistent(monkeypatch)

    code, out, err = run_cli(["down", "blog", "--yes", "--state-dir", str(state_dir)])

    assert code == 1, (out, err)
    assert throttle.throttled >= TRIES
    assert "permission" not in err.lower() and "credentials" not in err.lower()
    assert "throttl" in err.lower()
    assert f"{TRIES} tries" in err
    assert "run the same command again" in err and "resumes safely" in err
    assert counts(inventory("blog", moto_server)) == before  # nothing was deleted


def test_a_throttled_teardown_plan_names_the_tries_of_the_failed_call(moto_server, state_dir, spec_data, monkeypatch):
    """The service-level message, for the TUI's teardown screen as for the CLI."""
    from hostwiz.errors import UserError

    session = quick_session(state_dir, endpoint_url=moto_server)
    assert operations.up(session, specmod.validate(spec_data), "203.0.113.7/32").ok
    persistent(monkeypatch)
    throttled = dataclasses.replace(session, aws=Aws(region=session.aws.region, endpoint_url=moto_server))
    with pytest.raises(UserError) as caught:
        operations.plan_down(throttled, "blog")
    text = str(caught.value)
    assert "kept throttling" in text and f"{TRIES} tries" in text
    assert "permission" not in text.lower()
