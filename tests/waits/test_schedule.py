"""Issue 18: the schedule of `up`'s waits, as plain arithmetic on the real `waiting.poll` run on a
simulated clock (`waiting.checks`: no real waiting, no timing). Figures: bench/waits.py.

- A ready instance is noticed within 3 s, a database within 15 s, at every ready time in the ranges
  AWS takes (10-60 s; 4-12 min).
- Calls against the backed-off waits they replaced ("old": 5 s growing 1.5x to 15 s; every 30 s):
  a whole `up` (both waits at once) makes no more calls per minute at the realism model's windows and
  wherever the database is ready within 5 minutes; the database wait alone makes no more calls over its
  range. Past about 5 minutes a whole `up` makes more: noticing within 15 s takes a check every 15 s
  where the old wait checked every 30 s (docs/reads.md "Waits").
"""

from __future__ import annotations

from statistics import mean

import pytest

from hostwiz.provisioners.stack import Timing
from hostwiz.provisioners.waiting import checks, fixed

INSTANCE_READY = [10 + 0.25 * i for i in range(201)]  # 10..60 s
DB_READY = [240 + 1.0 * i for i in range(481)]  # 4..12 min
OLD_INSTANCE = {"delay": 5.0, "max_delay": 15.0}
OLD_DB = {"delay": 30.0, "max_delay": 30.0}


def new_instance(at_once: bool = False) -> dict:
    t = Timing()
    return fixed(t.instance_delay, t.instance_first_polls, at_once=at_once)


def new_db(at_once: bool = False) -> dict:
    t = Timing()
    return fixed(t.db_delay, t.db_first_polls, at_once=at_once)


def late(ready: float, kw: dict) -> float:
    return checks(ready, **kw)[-1] - ready


def whole_up(inst_ready: float, db_ready: float, inst: dict, db: dict) -> float:
    """Calls per minute of both waits together, over the longer one."""
    a, b = checks(inst_ready, **inst), checks(db_ready, **db)
    return 60 * (len(a) + len(b)) / max(a[-1], b[-1])


def test_the_old_schedule_is_what_git_history_says():
    assert checks(60, **OLD_INSTANCE) == [0, 5, 12.5, 23.75, 38.75, 53.75, 68.75]
    assert checks(90, **OLD_DB) == [0, 30, 60, 90]


def test_a_ready_instance_is_noticed_within_3_s_and_a_database_within_15_s():
    assert max(late(r, new_instance()) for r in INSTANCE_READY) <= 3
    assert max(late(r, new_db()) for r in DB_READY) <= 15
    # a resumed run's resources are checked at once: ready already, noticed at 0 s
    assert checks(0, **new_instance(at_once=True)) == [0] and checks(0, **new_db(at_once=True)) == [0]
    # the old waits noticed up to 15 s / 30 s late (the feature: without it these bounds fail)
    assert max(late(r, OLD_INSTANCE) for r in INSTANCE_READY) > 14
    assert max(late(r, OLD_DB) for r in DB_READY) > 27


def test_no_check_is_spent_where_the_answer_is_known_and_no_fewer_can_meet_the_bounds():
    """A fresh wait's first check is at the start of the range (no check at once), then one per bound:
    any schedule that notices within 3 s / 15 s everywhere in the range checks at least that often."""
    inst = checks(60, **new_instance())
    assert inst[0] >= 9 and all(b - a == 3 for a, b in zip(inst, inst[1:]))
    db = checks(720, **new_db())
    assert db[0] == 240 and all(b - a == 15 for a, b in zip(db, db[1:]))


@pytest.mark.parametrize("inst_ready, db_ready", [(30, 300)])
def test_a_whole_up_makes_no_more_calls_per_minute_at_the_realism_windows(inst_ready, db_ready):
    assert whole_up(inst_ready, db_ready, new_instance(), new_db()) <= whole_up(inst_ready, db_ready, OLD_INSTANCE,
                                                                                 OLD_DB)


def test_a_whole_up_makes_no_more_calls_per_minute_while_the_database_is_ready_within_5_minutes():
    for db_ready in range(240, 301, 5):
        new = mean(whole_up(a, db_ready, new_instance(), new_db()) for a in INSTANCE_READY)
        old = mean(whole_up(a, db_ready, OLD_INSTANCE, OLD_DB) for a in INSTANCE_READY)
        assert new <= old, (db_ready, new, old)


def test_the_database_wait_makes_no_more_calls_than_the_old_one_over_its_range():
    assert mean(len(checks(r, **new_db())) for r in DB_READY) <= mean(len(checks(r, **OLD_DB)) for r in DB_READY)


def test_up_checks_at_once_only_what_it_did_not_just_make(session, full_spec, monkeypatch):
    """A fresh `up` does not check its new instance and database at once (they cannot be ready); an
    `up` run again on the same stack finds them made already and checks them at once."""
    from hostwiz.provisioners import stack as stack_mod
    from hostwiz.services import stacks as operations

    seen: list[bool] = []
    real = stack_mod.fixed

    def spy(delay, first_polls, *, at_once=True):
        seen.append(at_once)
        return real(delay, first_polls, at_once=at_once)

    monkeypatch.setattr(stack_mod, "fixed", spy)
    assert operations.up(session, full_spec, full_spec.instance.ssh_cidr).ok
    assert seen == [False, False]
    seen.clear()
    assert operations.up(session, full_spec, full_spec.instance.ssh_cidr).ok
    assert seen == [True, True]
