"""Throttling: 30% of the requests answered with a throttling error (a real HTTP response that
botocore's standard retry mode parses and retries); provisioning still completes, with exactly one
of each resource, and so does its teardown. Reports the retries and the time they cost."""

from __future__ import annotations

import dataclasses
import time

from hwtest import FULL_STACK, counts, inventory, leftovers, make_session
from throttle import Throttle

from hostwiz import spec as specmod
from hostwiz.provisioners import operations
from hostwiz.provisioners.aws import Aws


def test_up_and_down_complete_with_30_percent_of_requests_throttled(moto_server, state_dir, spec_data, figures):
    # A moto server, not in-process moto: in-process moto answers in its own before-send hook first.
    session = make_session(state_dir, moto_server)
    calm_spec = specmod.validate({**spec_data, "name": "calm", "domain": {**spec_data["domain"],
                                                                         "name": "calm.example.com"}})
    started = time.monotonic()
    assert operations.up(session, calm_spec, "203.0.113.7/32").ok  # the same stack without throttling
    calm = time.monotonic() - started

    throttle = Throttle(rate=0.3)
    s = dataclasses.replace(session, aws=Aws(region=session.aws.region, endpoint_url=moto_server,
                                             hooks=throttle.hooks()))
    started = time.monotonic()
    result = operations.up(s, specmod.validate(spec_data), "203.0.113.7/32")
    throttled_up = time.monotonic() - started
    assert result.ok, result.error
    assert counts(inventory("blog", moto_server)) == FULL_STACK
    up_figures = (throttle.sent, throttle.throttled, throttle.retries)
    assert throttle.throttled >= 0.2 * throttle.sent and throttle.retries == throttle.throttled

    started = time.monotonic()
    outcome = operations.down(s, operations.plan_down(s, "blog"))
    throttled_down = time.monotonic() - started
    assert outcome.ok, [(x.resource.key, x.error) for x in outcome.left]
    assert leftovers("blog", moto_server) == {}
    assert throttle.retries == throttle.throttled

    started = time.monotonic()
    assert operations.down(session, operations.plan_down(session, "calm")).ok
    calm_down = time.monotonic() - started
    figures.update(down_wall_calm=round(calm_down, 2))
    figures.update(up_requests=up_figures[0], up_throttled=up_figures[1], up_retries=up_figures[2],
                   up_wall_calm=round(calm, 2), up_wall_throttled=round(throttled_up, 2),
                   down_requests=throttle.sent - up_figures[0], down_throttled=throttle.throttled - up_figures[1],
                   down_wall_throttled=round(throttled_down, 2))
