"""Wait benchmark (issue 18): how late `up` notices an instance "running" and a database "available",
and how many describe calls its waits make per minute, per wait and over a whole `up`.

    python bench/waits.py [--json]

The real `waiting.poll` runs on a simulated clock (`waiting.checks`: its sleep only moves the clock on),
against AWS reaching the state a given time after the create call: instance ready anywhere in 10-60 s
(every 0.5 s), database ready anywhere in 4-12 min (every 2.5 s), and the realism model's windows
(`sandbox/realism.py`: 30 s boot, 300 s database create). Three schedules:

- old:   the backed-off waits (git history of provisioners/waiting.py and stack.py's Timing before
         37760dd): a check at once, then 5 s growing 1.5x to 15 s (instance: 0, 5, 12.5, 23.75, 38.75,
         53.75 ... s); every 30 s for the database.
- fixed: the first issue-18 change: a check at once, the next at 21 s / 180 s, then every 3 s / 15 s.
- new:   `Timing()` now, for a fresh `up` (what it just made is not checked at once): 9 s, then every
         3 s; 240 s, then every 15 s.

A whole `up` runs both waits at once (the database create follows RunInstances by a few calls, so
both start together); its calls per minute are (instance calls + database calls) / the longer wait,
as the account sees them. Reported per pair of ready times, averaged over the instance's range for
each database ready time, and over the whole grid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

INSTANCE_READY = [10 + 0.5 * i for i in range(101)]  # 10..60 s
DB_READY = [240 + 2.5 * i for i in range(193)]  # 240..720 s (4..12 min)
REALISM = (30.0, 300.0)
DB_BANDS = [240.0, 300.0, 360.0, 420.0, 480.0, 600.0, 720.0]


def schedules() -> dict[str, dict[str, dict]]:
    from hostwiz.provisioners.stack import Timing
    from hostwiz.provisioners.waiting import fixed

    t = Timing()
    return {
        "old": {"instance": {"delay": 5.0, "max_delay": 15.0}, "database": {"delay": 30.0, "max_delay": 30.0}},
        "fixed": {"instance": fixed(3.0, 7), "database": fixed(15.0, 12)},
        "new": {"instance": fixed(t.instance_delay, t.instance_first_polls, at_once=False),
                "database": fixed(t.db_delay, t.db_first_polls, at_once=False)},
    }


def wait(ready: float, kw: dict) -> tuple[int, float]:
    """(calls, when noticed) for a state reached `ready` s in."""
    from hostwiz.provisioners.waiting import checks

    times = checks(ready, **kw)
    return len(times), times[-1]


def per_wait(readies: list[float], kw: dict) -> dict:
    rows = [(r, *wait(r, kw)) for r in readies]
    return {"max_late_s": round(max(t - r for r, _, t in rows), 2),
            "mean_late_s": round(mean(t - r for r, _, t in rows), 2),
            "mean_calls": round(mean(n for _, n, _ in rows), 2),
            "calls_per_min": round(60 * sum(n for _, n, _ in rows) / sum(t for _, _, t in rows), 2),
            "_rows": {r: (n, t) for r, n, t in rows}}


def whole_up(inst: dict, db: dict) -> dict:
    """Both waits at once over every pair of ready times."""
    def rate(a: float, b: float) -> float:
        (ni, ti), (nd, td) = inst["_rows"][a], db["_rows"][b]
        return 60 * (ni + nd) / max(ti, td)

    bands = {f"{b / 60:g} min": round(mean(rate(a, b) for a in INSTANCE_READY), 2) for b in DB_BANDS}
    return {"calls_per_min": round(mean(rate(a, b) for a in INSTANCE_READY for b in DB_READY), 2),
            "mean_calls": round(mean(inst["_rows"][a][0] + db["_rows"][b][0]
                                     for a in INSTANCE_READY for b in DB_READY), 2),
            "by_db_ready": bands, "_rate": rate}


def run() -> dict:
    out: dict = {"instance_ready_s": [INSTANCE_READY[0], INSTANCE_READY[-1]],
                 "db_ready_s": [DB_READY[0], DB_READY[-1]], "schedules": {}}
    rates = {}
    for label, kw in schedules().items():
        inst = per_wait(INSTANCE_READY + [REALISM[0]], kw["instance"])
        db = per_wait(DB_READY + [REALISM[1]], kw["database"])
        up = whole_up(inst, db)
        rates[label] = up.pop("_rate")
        ni, ti = inst["_rows"][REALISM[0]]
        nd, td = db["_rows"][REALISM[1]]
        inst_grid = per_wait(INSTANCE_READY, kw["instance"])
        db_grid = per_wait(DB_READY, kw["database"])
        for d in (inst_grid, db_grid):
            d.pop("_rows")
        out["schedules"][label] = {
            "poll": kw, "instance": inst_grid, "database": db_grid, "whole_up": up,
            "realism_window": {"instance_calls": ni, "instance_late_s": round(ti - REALISM[0], 2),
                               "db_calls": nd, "db_late_s": round(td - REALISM[1], 2),
                               "whole_up_calls_per_min": round(60 * (ni + nd) / max(ti, td), 2)}}
    pairs = [(a, b) for a in INSTANCE_READY for b in DB_READY]
    out["new_vs_old_pairs_at_or_below"] = round(sum(rates["new"](a, b) <= rates["old"](a, b) + 1e-9
                                                    for a, b in pairs) / len(pairs), 3)
    # Any schedule that notices within 3 s / 15 s anywhere in the ranges checks at least once every 3 s
    # / 15 s through them: 20 / 4 calls per minute while a wait is in its range.
    out["floor_calls_per_min_in_range"] = {"instance": 20.0, "database": 4.0}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = run()
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"instance ready {out['instance_ready_s'][0]:g}-{out['instance_ready_s'][1]:g} s, "
          f"database ready {out['db_ready_s'][0] / 60:g}-{out['db_ready_s'][1] / 60:g} min")
    for label, res in out["schedules"].items():
        print(f"{label}: instance {res['poll']['instance']}, database {res['poll']['database']}")
        for what in ("instance", "database"):
            w = res[what]
            print(f"  {what:<8} worst {w['max_late_s']:>5} s late (mean {w['mean_late_s']}), {w['mean_calls']} calls, "
                  f"{w['calls_per_min']} calls/min")
        u = res["whole_up"]
        print(f"  whole up {u['calls_per_min']} calls/min ({u['mean_calls']} calls); by database ready time: "
              + ", ".join(f"{k} {v}" for k, v in u["by_db_ready"].items()))
        r = res["realism_window"]
        print(f"  realism windows (30 s, 300 s): instance {r['instance_calls']} calls {r['instance_late_s']} s late, "
              f"database {r['db_calls']} calls {r['db_late_s']} s late, whole up {r['whole_up_calls_per_min']} calls/min")
    print(f"new at or below old calls/min in {out['new_vs_old_pairs_at_or_below']:.1%} of the (instance, database) pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
