"""status's watch parts: the sandbox's probes reach a local stand-in (never the outside), cost so far
from the ledger's running/stopped periods, metrics fed by the sandbox in one call."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hostwiz import costs, spend
from hostwiz.ledger import Ledger
from hostwiz.spec import validate
from hostwiz.services import watch
from hostwiz.sandbox.watch import HealthEndpoint, seed_metrics


class Lab:
    def __init__(self):
        self.health = HealthEndpoint()
        self.fed = []

    def health_endpoint(self):
        return "127.0.0.1", self.health.port

    def feed_metrics(self, aws, key, metrics, storage_gb=20):
        self.fed.append(key)
        seed_metrics(aws, metrics, storage_gb=storage_gb)


@pytest.fixture
def sandboxed(session, stack_up):
    lab = Lab()
    session.sandbox, session.lab = True, lab
    yield session
    lab.health.stop()
    session.lab = None


def test_sandbox_probes_the_local_stand_in(sandboxed):
    h = watch.health(sandboxed, "blog")
    assert h.report is not None and h.status == "ok", h.as_dict()
    assert {r.check for r in h.report.results} == {"http"}
    assert all(r.target.startswith("http://127.0.0.1:") or "127.0.0.1" in r.summary or r.ok for r in h.report.results)
    assert "no outside network" in h.skipped
    Ledger(sandboxed.state_dir, "blog").update(status="stopped")
    assert watch.health(sandboxed, "blog").report is None


def test_sandbox_metrics_in_one_call(sandboxed, recorder):
    w = watch.watcher(sandboxed, "blog")
    start = len(recorder.calls)
    snap = w.refresh("1h")
    assert [op for _, op, _ in recorder.calls[start:]] == ["GetMetricData"]
    assert len(snap.series) == 11 and all(s.values for s in snap.series.values())
    assert sandboxed.lab.fed == ["blog"]


def test_cost_so_far_with_a_stop_in_the_middle(session, stack_up):
    ledger = Ledger(session.state_dir, "blog")
    ledger.doc["power"] = [{"at": "2026-11-01T00:00:00+00:00", "state": "running"},
                           {"at": "2026-11-11T00:00:00+00:00", "state": "stopped"},
                           {"at": "2026-11-21T00:00:00+00:00", "state": "running"}]
    ledger.save()
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    got = watch.cost_so_far(session, "blog", now)
    r = spend.rates_for(validate(ledger.get("spec")))
    # by hand: 20 days running (10 + 10), 10 days stopped
    assert got.running_hours == pytest.approx(480) and got.stopped_hours == pytest.approx(240)
    assert got.running_cost == pytest.approx(480 * r.hourly("running"))
    assert got.stopped_cost == pytest.approx(240 * r.hourly("stopped"))
    assert 0 < r.hourly("stopped") < r.hourly("running")
    assert got.month_to_date == 0  # 1 December 00:00: the month has just begun
    assert got.per_day_now == pytest.approx(24 * r.hourly("running"))
    assert costs.hours() > 0


def test_up_records_when_billing_began(session, stack_up):
    history = Ledger(session.state_dir, "blog").power_history()
    assert [p["state"] for p in history] == ["running"]
