"""The watch panel refreshing (one batched GetMetricData call per refresh, 11 metrics: a t3 instance
and its database) while a log pane streams lines: how long does the event loop stall?

moto runs in its own process (bench/motoproc.py), seeded with a week of plausible points by the
sandbox's feeder. Three runs, each in this process one after the other, each `--seconds` long:
  panel      the WatchPanel refreshing every `--every` s
  log        a LogView receiving `--lines` lines in batches of `--batch` (as the log screen does)
  both       the two on one screen at once (the worst case: both render)
A 1 ms ticker task measures event-loop lateness. Figures: refreshes made, GetMetricData calls per
refresh, longest stall (wall clock: on a loaded machine mostly other processes' time), 99th
percentile, stalls over 50 ms, and the most CPU time the event-loop thread itself spent within one
tick (what the code under test costs the UI, whatever the machine's load).

    .venv/bin/python bench/watch.py [--seconds 20] [--every 5] [--lines 100000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def prepare(url: str) -> tuple[object, int]:
    from hostwiz.ledger import Ledger
    from hostwiz.sandbox.watch import seed_metrics
    from hostwiz.services import watch
    from hostwiz.services.session import quick_session

    session = quick_session(Path(tempfile.mkdtemp(prefix="hostwiz-bench-watch-")), endpoint_url=url, zone=None)
    ledger = Ledger(session.state_dir, "bench")
    ledger.update(name="bench", region="us-east-1", status="ready",
                  spec={"name": "bench", "instance": {"type": "t3.micro"},
                        "database": {"engine": "postgres", "storage_gb": 20}},
                  outputs={"instance_id": "i-0bench0bench0bench", "public_ip": "192.0.2.1"})
    ledger.created("database", "rds-instance", "bench-db")
    w = watch.watcher(session, "bench")
    seed_metrics(session.aws, w.metrics)
    return session, len(w.metrics)


def run(session, mode: str, seconds: float, every: float, lines: int, batch: int) -> dict:
    from textual.app import App, ComposeResult

    from hostwiz.logs import Hub
    from hostwiz.screens.log_view import LogView, freeze_long_lived
    from hostwiz.screens.widgets.watch import WatchPanel
    from logs import Firehose

    calls: list[str] = []
    session.aws.hooks.append(("provide-client-params", lambda model, **_: calls.append(model.name)))
    session.aws._local.__dict__.pop("clients", None)  # new clients carry the counting hook

    class Bench(App):
        def __init__(self) -> None:
            super().__init__()
            self.session = session

        def compose(self) -> ComposeResult:
            if mode in ("panel", "both"):
                yield WatchPanel("bench", every=every, probe_every=3600)
            if mode in ("log", "both"):
                yield LogView(lines)

    out: dict = {"mode": mode}

    async def main() -> None:
        app = Bench()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            freeze_long_lived()
            loop = asyncio.get_running_loop()
            lags: list[float] = []
            busy: list[float] = []  # the event-loop thread's own CPU time within each tick
            running = True

            async def ticker() -> None:
                while running:
                    t, cpu = loop.time(), time.thread_time()
                    await asyncio.sleep(0.001)
                    lags.append(loop.time() - t - 0.001)
                    busy.append(time.thread_time() - cpu)

            tick = asyncio.create_task(ticker())
            start = time.perf_counter()
            streamed = 0
            if mode in ("log", "both"):
                view = app.query_one(LogView)
                hub = Hub([Firehose(lines)], backlog=lines)
                hub.start()
                while streamed + hub.overflow < lines:
                    got = hub.drain(limit=batch)
                    streamed += len(got)
                    view.write(got)
                    await asyncio.sleep(0)
                hub.stop()
            while time.perf_counter() - start < seconds:
                await asyncio.sleep(0.05)
            running = False
            await tick
            await app.workers.wait_for_complete()
            refreshes = app.query_one(WatchPanel).refreshes if mode != "log" else 0
            metric_calls = sum(op == "GetMetricData" for op in calls)
            lags.sort()
            out.update(seconds=round(time.perf_counter() - start, 1), refreshes=refreshes,
                       get_metric_data_calls=metric_calls,
                       calls_per_refresh=round(metric_calls / refreshes, 2) if refreshes else None,
                       lines_streamed=streamed, longest_stall_ms=round(lags[-1] * 1000, 1),
                       p99_stall_ms=round(lags[int(len(lags) * 0.99)] * 1000, 1),
                       stalls_over_50ms=sum(lag > 0.05 for lag in lags),
                       longest_stall_cpu_ms=round(max(busy, default=0) * 1000, 1))

    asyncio.run(main())
    session.aws.hooks.pop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--every", type=float, default=5.0, help="panel refresh interval (the detail screen's: 5 s)")
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--moto", default="process", choices=["process", "inprocess"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from motoproc import moto_endpoint

    with moto_endpoint(args.moto) as url:
        session, n = prepare(url)
        results = [run(session, mode, args.seconds, args.every, args.lines, args.batch)
                   for mode in ("panel", "log", "both")]
    if args.json:
        print(json.dumps({"metrics": n, "every": args.every, "results": results}))
        return
    print(f"watch panel: {n} metrics, refresh every {args.every} s, {args.seconds} s per run")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'mode':<6} {'refreshes':>9} {'calls/refresh':>13} {'lines':>8} {'longest stall':>14} {'p99':>8} "
          f"{'>50ms':>6} {'loop CPU in one tick':>21}")
    for r in results:
        print(f"{r['mode']:<6} {r['refreshes']:>9} {str(r['calls_per_refresh']):>13} {r['lines_streamed']:>8} "
              f"{r['longest_stall_ms']:>11.1f} ms {r['p99_stall_ms']:>5.1f} ms {r['stalls_over_50ms']:>6} "
              f"{r['longest_stall_cpu_ms']:>18.1f} ms")


if __name__ == "__main__":
    main()
