"""The watch panel refreshing (one batched GetMetricData call per refresh, 11 metrics: a t3 instance
and its database) and probing the site, while a log pane streams lines: how long does the event
loop stall?

moto runs in its own process (bench/motoproc.py), seeded with a week of plausible points by the
sandbox's feeder; the probes reach a local stand-in for the site (sandbox/watch.py's
HealthEndpoint, as in the sandbox). Runs, each in this process one after the other, each
`--seconds` long:
  panel       the WatchPanel alone, metrics every `--every` s
  log         a LogView receiving `--lines` lines in batches of `--batch` (as the log screen does)
  both        the two on one screen at once (the worst case: both render)
  detail      the real DetailScreen (facts, the resources table, the watch panel): metrics AND
              probes every `--every` s, alarms and cost every 30 s
  detail+log  the detail screen in front while a LogView in the screen below it (the log screen the
              user came from) takes `--lines` lines (the issue's case)
A 1 ms ticker task measures event-loop lateness. Figures: refreshes and probes made, GetMetricData
calls per refresh, longest stall (wall clock: on a loaded machine partly other processes' time),
99th percentile, stalls over 50 ms, and the most CPU time the event-loop thread itself spent within
one tick (what the code under test costs the UI, whatever the machine's load).

`--where` samples the event-loop thread's stack from a watchdog thread whenever the loop is more
than 20 ms late, and prints the most frequent hostwiz/textual frames: what blocked it.

    .venv/bin/python bench/watch.py [--seconds 20] [--every 5] [--lines 100000] [--modes detail,...]
                                    [--where] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


MODES = ("panel", "log", "both", "detail", "detail+log")


class Lab:
    """What the sandbox gives a session for watching: the site stand-in and fed metrics."""

    def __init__(self) -> None:
        from hostwiz.sandbox.watch import HealthEndpoint

        self.health = HealthEndpoint()

    def health_endpoint(self) -> tuple[str, int]:
        return "127.0.0.1", self.health.port

    def feed_metrics(self, aws, key, metrics, storage_gb=20) -> None:  # seeded once, by prepare()
        pass


def prepare(url: str) -> tuple[object, int]:
    from hostwiz.ledger import Ledger
    from hostwiz.sandbox.watch import seed_metrics
    from hostwiz.services import watch
    from hostwiz.services.session import quick_session

    session = quick_session(Path(tempfile.mkdtemp(prefix="hostwiz-bench-watch-")), endpoint_url=url, zone=None)
    session.sandbox, session.lab = True, Lab()
    ledger = Ledger(session.state_dir, "bench")
    ledger.update(name="bench", region="us-east-1", status="ready",
                  spec={"name": "bench", "instance": {"type": "t3.micro"},
                        "database": {"engine": "postgres", "storage_gb": 20}},
                  outputs={"instance_id": "i-0bench0bench0bench", "public_ip": "192.0.2.1",
                           "url": "http://192.0.2.1/", "ssh_command": "ssh -i bench.pem ubuntu@192.0.2.1",
                           "db_endpoint": "bench-db.example.us-east-1.rds.amazonaws.com", "db_port": 5432})
    ledger.power("running")
    ledger.created("database", "rds-instance", "bench-db")
    w = watch.watcher(session, "bench")
    seed_metrics(session.aws, w.metrics)
    return session, len(w.metrics)


class StallSampler(threading.Thread):
    """From its own thread, every 3 ms: when the event-loop thread itself ran since the last look
    (its CPU clock moved 1 ms or more; waiting for the machine's other processes is not counted),
    take its stack, filed under the loop's current tick (the ticker's heartbeat). `heaviest()`
    says, for the ticks that cost the loop the most CPU, which hostwiz/Textual frames were on it
    (a frame counted once per sample, so outer frames add up their callees' time)."""

    SKIP = (":_process_messages", ":_process_messages_loop", ":run", ":invoke", ":_dispatch_message",
            ":_on_message", ":on_event", ":_invoke", ":on_timer", ":_run", ":_tick", ":_pre_process",
            ":_process_message", ":main", ":<module>", ":<listcomp>", ":_run_timer", ":ticker", ":on_callback",
            ":_flush_next_callbacks", ":_flush", ":_invoke_and_clear_callbacks", ":_on_idle", ":post_message",
            ":_on_timer_update", ":_compositor_refresh")

    def __init__(self, loop_thread: int) -> None:
        super().__init__(daemon=True, name="stall-sampler")
        self.loop_thread = loop_thread
        self.beat = 0
        self.running = True
        self.samples: dict[int, list[list[str]]] = {}

    def run(self) -> None:
        clock = time.pthread_getcpuclockid(self.loop_thread)
        cpu = time.clock_gettime(clock)
        while self.running:
            time.sleep(0.003)
            before, cpu = cpu, time.clock_gettime(clock)
            if cpu - before >= 0.001:
                beat = self.beat
                frame = sys._current_frames().get(self.loop_thread)
                if frame is not None:
                    self.samples.setdefault(beat, []).append(self.stack(frame))

    @staticmethod
    def stack(frame) -> list[str]:
        """`folder/file:function`, with the widget's class for Textual's per-widget methods."""
        out = []
        while frame is not None:
            name = frame.f_code.co_filename
            if any(part in name for part in ("/hostwiz/", "/textual/", "/rich/", "/work/")):
                where = f"{Path(name).parent.name}/{Path(name).name}:{frame.f_code.co_name}"
                owner = frame.f_locals.get("self") if frame.f_code.co_name in (
                    "render_lines", "_render_content", "_render", "render", "arrange", "_arrange", "_compose",
                    "recompose", "_post_mount", "mount", "update", "_on_mount", "remove_children",
                    "_on_watch_loaded", "on_watch_loaded", "on_loaded") else None
                out.append(where + (f" [{type(owner).__name__}]" if owner is not None else ""))
            frame = frame.f_back
        return out[::-1]

    def heaviest(self, busy: list[float], ticks: int = 3, frames: int = 10) -> list[dict]:
        out = []
        for beat in sorted(range(len(busy)), key=busy.__getitem__, reverse=True)[:ticks]:
            seen: Counter = Counter()
            for s in self.samples.get(beat, []):
                seen.update(set(s))
            out.append({"cpu_ms": round(busy[beat] * 1000, 1), "samples": len(self.samples.get(beat, [])),
                        "frames": [(f, c) for f, c in seen.most_common(60) if not f.endswith(self.SKIP)][:frames]})
        return out


def run(session, mode: str, seconds: float, every: float, lines: int, batch: int, where: bool = False) -> dict:
    from textual.app import App, ComposeResult
    from textual.screen import Screen

    import hostwiz.screens
    from hostwiz.logs import Hub
    from hostwiz.screens.detail import DetailScreen
    from hostwiz.screens import flood
    from hostwiz.screens.log_view import LogView
    from hostwiz.screens.widgets.watch import WatchPanel
    from logs import Firehose

    calls: list[str] = []
    session.aws.hooks.append(("provide-client-params", lambda model, **_: calls.append(model.name)))
    probes = [0]

    from hostwiz.services import watch

    real_health = watch.health

    def counted_health(*a, **kw):
        probes[0] += 1
        return real_health(*a, **kw)

    watch.health = counted_health

    class Below(Screen):
        """The screen the user came from: a log pane that keeps taking lines."""

        def compose(self) -> ComposeResult:
            yield LogView(lines)

    class Bench(App):
        CSS_PATH = str(Path(hostwiz.screens.__file__).with_name("hostwiz.tcss"))

        def __init__(self) -> None:
            super().__init__()
            self.session = session
            self.sandbox = True

        def compose(self) -> ComposeResult:
            if mode in ("panel", "both"):
                yield WatchPanel("bench", every=every, probe_every=3600)
            if mode in ("log", "both"):
                yield LogView(lines)

        def on_mount(self) -> None:
            if mode.startswith("detail"):
                if mode == "detail+log":
                    self.push_screen(Below())
                self.push_screen(DetailScreen("bench"))

    out: dict = {"mode": mode}

    async def main() -> None:
        app = Bench()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            flood.hold()
            if mode.startswith("detail"):
                panel = app.screen.query_one(WatchPanel)
                panel.set_interval(every, panel.load_health)  # probe as often as the metrics refresh
            loop = asyncio.get_running_loop()
            lags: list[float] = []
            busy: list[float] = []  # the event-loop thread's own CPU time within each tick
            running = True
            sampler = StallSampler(threading.get_ident()) if where else None

            async def ticker() -> None:
                while running:
                    t, cpu = loop.time(), time.thread_time()
                    if sampler:
                        sampler.beat = len(busy)
                    await asyncio.sleep(0.001)
                    lags.append(loop.time() - t - 0.001)
                    if lags[-1] > 0.05:
                        late_at.append(loop.time() - t0)
                    busy.append(time.thread_time() - cpu)

            if sampler:
                sampler.start()
            late_at: list[float] = []  # when each stall over 50 ms happened, seconds into the run
            t0 = loop.time()
            tick = asyncio.create_task(ticker())
            start = time.perf_counter()
            streamed = 0
            if mode in ("log", "both", "detail+log"):
                view = (app.screen_stack[-2] if mode == "detail+log" else app.screen).query_one(LogView)
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
            if sampler:
                sampler.running = False
            await app.workers.wait_for_complete()
            flood.release()
            refreshes = app.screen.query_one(WatchPanel).refreshes if mode != "log" else 0
            metric_calls = sum(op == "GetMetricData" for op in calls)
            lags.sort()
            out.update(seconds=round(time.perf_counter() - start, 1), refreshes=refreshes, probes=probes[0],
                       get_metric_data_calls=metric_calls,
                       calls_per_refresh=round(metric_calls / refreshes, 2) if refreshes else None,
                       lines_streamed=streamed, longest_stall_ms=round(lags[-1] * 1000, 1),
                       p99_stall_ms=round(lags[int(len(lags) * 0.99)] * 1000, 1),
                       stalls_over_50ms=sum(lag > 0.05 for lag in lags),
                       stalls_over_50ms_after_8s=sum(at > 8 for at in late_at),
                       longest_stall_cpu_ms=round(max(busy, default=0) * 1000, 1))
            if sampler:
                out["heaviest_ticks"] = sampler.heaviest(busy)

    try:
        asyncio.run(main())
    finally:
        watch.health = real_health
        session.aws.hooks.pop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--every", type=float, default=5.0, help="panel refresh interval (the detail screen's: 5 s)")
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    ap.add_argument("--where", action="store_true", help="sample the loop's stack during stalls over 20 ms")
    ap.add_argument("--moto", default="process", choices=["process", "inprocess"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    if bad := [m for m in modes if m not in MODES]:
        ap.error(f"unknown mode(s) {bad}; choose from {', '.join(MODES)}")
    from motoproc import moto_endpoint

    with moto_endpoint(args.moto) as url:
        session, n = prepare(url)
        try:
            results = [run(session, mode, args.seconds, args.every, args.lines, args.batch, args.where)
                       for mode in modes]
        finally:
            session.lab.health.stop()
    if args.json:
        print(json.dumps({"metrics": n, "every": args.every, "results": results}))
        return
    print(f"watch panel: {n} metrics, refresh every {args.every} s, {args.seconds} s per run")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'mode':<10} {'refreshes':>9} {'probes':>6} {'calls/refresh':>13} {'lines':>8} {'longest stall':>14} "
          f"{'p99':>8} {'>50ms':>6} {'(after 8 s)':>11} {'loop CPU in one tick':>21}")
    for r in results:
        print(f"{r['mode']:<10} {r['refreshes']:>9} {r['probes']:>6} {str(r['calls_per_refresh']):>13} "
              f"{r['lines_streamed']:>8} {r['longest_stall_ms']:>11.1f} ms {r['p99_stall_ms']:>5.1f} ms "
              f"{r['stalls_over_50ms']:>6} {r['stalls_over_50ms_after_8s']:>11} {r['longest_stall_cpu_ms']:>18.1f} ms")
    for r in results:
        for tick in r.get("heaviest_ticks") or []:
            print(f"  {r['mode']}: a tick of {tick['cpu_ms']} ms of loop CPU, {tick['samples']} samples (3 ms apart):")
            for frame, count in tick["frames"]:
                print(f"      {count:>3} x {frame}")


if __name__ == "__main__":
    main()
