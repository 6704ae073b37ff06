"""Wait benchmark (issue 18): how late `up` notices an instance "running" and a database "available",
and how many describe calls its waits make, before (backing off to 15 s / 30 s) and after (a check
at once, the next at the typical minimum, then a fixed 3 s / 15 s: `waiting.fixed`).

    python bench/waits.py [--json]

The real `waiting.poll` runs on a simulated clock (its `time.sleep` advances the clock; no real
waiting), against AWS reaching the state at a given time after the create call: the realism model's
window (`sandbox/realism.py`: 30 s boot, 300 s database create) and a spread around it. Reported per
ready time: calls, how late the state was noticed, calls per minute of waiting; and the mean over the
spread. "Before" is the code as it was: delay 5 s backing off 1.5x to 15 s (instance), 30 s (database),
first check at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# s after the create call: the realism model's window first, then a spread (every 0.5 s / 2.5 s)
INSTANCE_READY = [30.0] + [10 + 0.5 * i for i in range(101)]  # 10..60 s
DB_READY = [300.0] + [200 + 2.5 * i for i in range(161)]  # 200..600 s


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def simulate(ready: float, **poll_kw) -> dict:
    from hostwiz.provisioners import waiting

    clock = Clock()
    calls = []

    def check():
        calls.append(clock.now)
        return True if clock.now >= ready else None

    real = waiting.time
    waiting.time = clock  # type: ignore[assignment]
    try:
        waiting.poll(check, what="bench", timeout=3600, **poll_kw)
    finally:
        waiting.time = real  # type: ignore[assignment]
    took = calls[-1]
    return {"ready_s": ready, "calls": len(calls), "noticed_s": round(took, 2), "late_s": round(took - ready, 2),
            "calls_per_min": round(60 * len(calls) / took, 2)}


def run() -> dict:
    from hostwiz.provisioners.stack import Timing
    from hostwiz.provisioners.waiting import fixed

    t = Timing()
    ways = {
        "instance": {"before": {"delay": 5.0, "max_delay": 15.0},
                     "after": fixed(t.instance_delay, t.instance_first_polls)},
        "database": {"before": {"delay": 30.0, "max_delay": 30.0},
                     "after": fixed(t.db_delay, t.db_first_polls)},
    }
    out: dict = {}
    for what, readies in (("instance", INSTANCE_READY), ("database", DB_READY)):
        out[what] = {}
        for label, kw in ways[what].items():
            model, *spread = [simulate(r, **kw) for r in readies]
            rows = spread
            out[what][label] = {"poll": kw, "realism_window": model, "spread_s": [readies[1], readies[-1]],
                                "mean_calls": round(mean(r["calls"] for r in rows), 2),
                                "max_late_s": max(r["late_s"] for r in rows),
                                "mean_late_s": round(mean(r["late_s"] for r in rows), 2),
                                "calls_per_min_overall": round(60 * sum(r["calls"] for r in rows)
                                                               / sum(r["noticed_s"] for r in rows), 2)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = run()
    if args.json:
        print(json.dumps(out))
        return 0
    for what, ways in out.items():
        print(f"{what}:")
        for label, res in ways.items():
            print(f"  {label:<6} {res['poll']}")
            r = res["realism_window"]
            print(f"    realism window, ready at {r['ready_s']} s: {r['calls']} calls, noticed at {r['noticed_s']} s "
                  f"({r['late_s']} s late), {r['calls_per_min']} calls/min")
            print(f"    ready anywhere in {res['spread_s'][0]:.0f}-{res['spread_s'][1]:.0f} s: mean {res['mean_calls']} calls, mean {res['mean_late_s']} s late (max {res['max_late_s']} s), "
                  f"{res['calls_per_min_overall']} calls/min over all waits")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
