"""Throttling: 30% of the requests answered with a throttling error (a real HTTP response that
botocore's standard retry mode parses and retries); provisioning still completes, with exactly one
of each resource, and so does its teardown; so does a cleanup of a workshop's leftovers. Reports the
retries and the time they cost."""

from __future__ import annotations

import dataclasses
import time

from hostwiz.services.session import quick_session
from hwtest import FULL_MATRIX, ONE_OF_EACH, counts, inventory, leftovers, matrix_model, scaled
from throttle import Throttle

from hostwiz import spec as specmod
from hostwiz.services import stacks as operations
from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.deletion import DeletionSettings


def test_up_and_down_complete_with_30_percent_of_requests_throttled(moto_server, state_dir, spec_data, figures):
    # A moto server, not in-process moto: in-process moto answers in its own before-send hook first.
    session = quick_session(state_dir, endpoint_url=moto_server)
    calm_spec = specmod.validate({**spec_data, "name": "calm", "domain": {**spec_data["domain"],
                                                                         "name": "calm.example.com"}})
    started = time.monotonic()
    assert operations.up(session, calm_spec, "203.0.113.7/32").ok  # the same stack without throttling
    calm = time.monotonic() - started

    throttle = Throttle(rate=0.3)
    model = matrix_model(moto_server)  # and under the realism model of AWS (first: it answers before)
    s = dataclasses.replace(session, aws=Aws(region=session.aws.region, endpoint_url=moto_server,
                                             hooks=(model.hooks() if model else []) + throttle.hooks()))
    if model:
        s = dataclasses.replace(s, deletion=scaled(DeletionSettings(), model.floor / 3))
    started = time.monotonic()
    result = operations.up(s, specmod.validate(spec_data), "203.0.113.7/32")
    throttled_up = time.monotonic() - started
    assert result.ok, result.error
    assert counts(inventory("blog", moto_server)) == ONE_OF_EACH
    up_figures = (throttle.sent, throttle.throttled, throttle.retries)
    assert throttle.throttled >= 0.2 * throttle.sent and throttle.retries == throttle.throttled_finished

    started = time.monotonic()
    outcome = operations.down(s, operations.plan_down(s, "blog"))
    throttled_down = time.monotonic() - started
    assert outcome.ok, [(x.resource.key, x.error) for x in outcome.left]
    assert leftovers("blog", moto_server) == {}
    assert throttle.retries == throttle.throttled_finished

    started = time.monotonic()
    assert operations.down(session, operations.plan_down(session, "calm")).ok
    calm_down = time.monotonic() - started
    figures.update(down_wall_calm=round(calm_down, 2))
    figures.update(up_requests=up_figures[0], up_throttled=up_figures[1], up_retries=up_figures[2],
                   up_wall_calm=round(calm, 2), up_wall_throttled=round(throttled_up, 2),
                   down_requests=throttle.sent - up_figures[0], down_throttled=throttle.throttled - up_figures[1],
                   down_wall_throttled=round(throttled_down, 2))


def test_cleanup_completes_with_30_percent_of_requests_throttled(moto_server, figures):
    from cleanup.estate import build  # tests/cleanup/estate.py: a workshop's leftovers

    from hostwiz.provisioners import cleanup
    from hostwiz.provisioners.deletion import DeletionSettings

    calm = Aws(region="us-east-1", endpoint_url=moto_server)
    build(calm, "thr", 10)
    throttle = Throttle(rate=0.3)
    model = matrix_model(moto_server)
    aws = Aws(region="us-east-1", endpoint_url=moto_server, hooks=(model.hooks() if model else []) + throttle.hooks(),
              max_pool_connections=32)
    only_ours = cleanup.Filters(name_prefix="thr", regions=["us-east-1"])
    started = time.monotonic()
    plan = cleanup.build_plan(cleanup.discover_all(aws, ["us-east-1"], workers=8), only_ours, "test")
    settings = DeletionSettings(confirm_delay=0.05, backoff=0.2)
    if model:
        settings.patience_scale = model.floor / 3
    outcome = cleanup.execute(aws, plan, settings=settings)
    took = time.monotonic() - started
    assert outcome.ok, [(x.resource.key, x.error) for x in outcome.left]
    assert len(plan.resources) >= 30
    assert cleanup.build_plan(cleanup.discover_all(calm, ["us-east-1"], workers=8), only_ours, "test").resources == []
    assert throttle.throttled >= 0.2 * throttle.sent and throttle.retries == throttle.throttled_finished
    figures.update(cleanup_resources=len(plan.resources), cleanup_requests=throttle.sent,
                   cleanup_throttled=throttle.throttled, cleanup_retries=throttle.retries,
                   cleanup_wall_throttled=round(took, 2))
    if FULL_MATRIX:  # the time cost: the same estate (another copy) cleaned up without throttling
        build(calm, "calm", 20)
        started = time.monotonic()
        only_calm = cleanup.Filters(name_prefix="calm", regions=["us-east-1"])
        plan = cleanup.build_plan(cleanup.discover_all(calm, ["us-east-1"], workers=8), only_calm, "test")
        assert cleanup.execute(calm, plan, settings=DeletionSettings(confirm_delay=0.05, backoff=0.2)).ok
        figures.update(cleanup_wall_calm=round(time.monotonic() - started, 2))
