"""A million log lines into the log pane, headless; against Textual's own `Log` in the same run.

    python bench/logs.py [--lines 1000000] [--batch 10000] [--maxlen 100000]
    python bench/logs.py --screen [--rate 300000] [--lines 5000000]   # the real LogsScreen

Each widget runs in its own child process (so peak RSS is its own), inside `App.run_test()`
at 120x36, fed the way the log screen is: a source thread makes distinct lines as fast as it
can into a `Hub`; the event loop drains at most `--batch` lines at a time into the widget
(`LogView.write`, or `Log.write_lines` of the formatted lines, both keeping `--maxlen`),
yielding between batches. A 1 ms ticker task measures event-loop stalls. Like the log screen,
the host app holds what the log screen holds during a flood (`screens/flood.py`: `gc.freeze` and a
1 ms GIL switch interval; `--no-freeze` to compare).
The source's queue is unbounded here so both widgets get every line.

`--screen` runs the log screen itself (`LogsScreen`: its hub with its bounded backlog, its 20 Hz
pump, the app's stylesheet) with one source making 5M lines at `--rate` lines/s (300k), and
reports the same stall figures, the lines the hub had to drop (`hub_overflow`: the screen fell
behind by more than its backlog) and whether it still follows the newest line.

Reported: lines/s of the write calls alone; lines/s end to end (first line made to last line
rendered, wall clock); the longest write call; the longest stall, its 99th percentile and how
many passed 50 ms; the most CPU time the event-loop thread itself spent within one stall (its own
work: writes, rendering, garbage collection; not the time it waited for the CPU or the GIL); the
longest garbage collection; RSS growth (peak minus the settled app before feeding); whether the last
line is on screen (following works).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time

from hostwiz.logs import Hub, Source, format_line, severity_of

TEMPLATES = [
    '203.0.113.{m} - - "GET /posts/{i} HTTP/1.1" 200 {k} "-" "curl/8.5"',
    "INFO worker-{m} handled request {i} in {k} ms",
    '203.0.113.{m} - - "GET /admin/{i} HTTP/1.1" 502 {k} "-" "curl/8.5"',
    "WARN worker-{m} slow query for request {i}: {k} ms",
    "ERROR worker-{m} request {i} failed: connection reset ({k})",
    "{k}#0: *{i} upstream response is buffered to a temporary file, client: 203.0.113.{m}",
]
SOURCES = ("app", "nginx-access", "nginx-error", "cw:/hostwiz/blog")


class Firehose(Source):
    """Makes `total` distinct lines as fast as it can, from its own thread (like a real source)."""

    def __init__(self, total: int):
        super().__init__("firehose")
        self.total = total
        self.kinds = [(SOURCES[n % len(SOURCES)], text, severity_of(text)) for n, text in enumerate(TEMPLATES)]

    def lines(self):
        kinds, now = self.kinds, 1_795_000_000.0
        for i in range(self.total):
            name, text, sev = kinds[i % 6]
            yield (name, now + i / 1000, text.format(i=i, m=i % 250, k=i % 9000), sev)
        self.sleep(3600)


class Paced(Firehose):
    """The same lines at `rate` lines/s (checked every 1,000 lines), then quiet."""

    def __init__(self, total: int, rate: float):
        super().__init__(total)
        self.rate = rate

    def lines(self):
        kinds, now, rate = self.kinds, 1_795_000_000.0, self.rate
        began = self.began = time.perf_counter()
        for i in range(self.total):
            if i % 1000 == 0:
                ahead = i / rate - (time.perf_counter() - began)
                if ahead > 0 and not self.sleep(ahead):
                    return
            name, text, sev = kinds[i % 6]
            yield (name, now + i / 1000, text.format(i=i, m=i % 250, k=i % 9000), sev)
        self.sleep(3600)


def screen_child(total: int, rate: float, maxlen: int) -> dict:
    """The real `LogsScreen` (its hub, its 20 Hz pump, its `LogView`, the app's stylesheet), with one
    source making `total` lines at `rate` lines/s; the loop's stalls measured as in `child`."""
    from pathlib import Path

    from textual.app import App

    import hostwiz.screens as screens_package
    from hostwiz.screens.logs import LogsScreen

    class Catalog:  # what LogsScreen asks of StackLogs
        exists = True

        def defaults(self):
            return ["firehose"]

        def available(self):
            return ["firehose"]

        def build(self, name):
            return Paced(total, rate)

    class Host(App):
        CSS_PATH = str(Path(screens_package.__file__).parent / "hostwiz.tcss")
        session = sandbox = None

        def on_mount(self) -> None:
            self.push_screen(LogsScreen("bench", logs=Catalog(), maxlen=maxlen))

    result: dict = {"widget": "LogsScreen", "rate": rate}

    async def main() -> None:
        app = Host()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            screen = app.screen
            loop = asyncio.get_running_loop()
            lags: list[float] = []
            stall = busy = 0.0
            running = True
            base = rss_mb()
            peak = base
            pauses = gc_pauses()

            async def ticker() -> None:
                nonlocal stall, busy, peak
                while running:
                    t, cpu = loop.time(), time.thread_time()
                    await asyncio.sleep(0.001)
                    lag = loop.time() - t - 0.001
                    lags.append(lag)
                    if lag > stall:
                        stall, busy = lag, time.thread_time() - cpu
                    peak = max(peak, rss_mb())

            tick = asyncio.create_task(ticker())
            start = time.perf_counter()
            view, hub = screen.view, screen.hub
            while view.buffer.received + hub.overflow < total:
                await asyncio.sleep(0.05)
            wall = time.perf_counter() - getattr(hub.sources["firehose"], "began", start)
            await asyncio.sleep(0.2)
            running = False
            await tick
            screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # noqa: SLF001
            result.update(lines=total, received=view.buffer.received, hub_overflow=hub.overflow,
                          lines_per_s=round(view.buffer.received / wall), following=view.following,
                          longest_stall_ms=round(stall * 1000, 1), longest_stall_cpu_ms=round(busy * 1000, 1),
                          p99_stall_ms=round(sorted(lags)[int(len(lags) * 0.99)] * 1000, 1),
                          stalls_over_50ms=sum(lag > 0.05 for lag in lags),
                          longest_gc_ms=round(max(pauses, default=0) * 1000, 1),
                          rss_growth_mb=round(peak - base, 1),
                          last_line_on_screen=f"{total - 1}" in screen_text)

    asyncio.run(main())
    return result


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def gc_pauses() -> list[float]:
    """Records how long each garbage collection takes (they stop the event loop too)."""
    import gc

    pauses: list[float] = []
    began = [0.0]

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - began[0])
    gc.callbacks.append(watch)
    return pauses


def child(kind: str, total: int, size: int, maxlen: int, freeze: bool = True) -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import Log

    from hostwiz.screens import flood
    from hostwiz.screens.log_view import LogView

    class Bench(App):
        def compose(self) -> ComposeResult:
            yield LogView(maxlen) if kind == "LogView" else Log(max_lines=maxlen)

    result: dict = {"widget": kind, "gc_freeze": freeze}

    async def main() -> None:
        app = Bench()
        async with app.run_test(size=(120, 36)) as pilot:
            widget = app.query_one(LogView if kind == "LogView" else Log)
            await pilot.pause()
            if freeze:  # what the log screen does on mount, for both widgets
                flood.hold()
            base = rss_mb()
            loop = asyncio.get_running_loop()
            stall = peak = longest_write = busy = 0.0
            lags: list[float] = []
            running = True

            async def ticker() -> None:
                nonlocal stall, peak, busy
                while running:
                    t, cpu = loop.time(), time.thread_time()
                    await asyncio.sleep(0.001)
                    lag = loop.time() - t - 0.001
                    lags.append(lag)
                    stall = max(stall, lag)
                    busy = max(busy, time.thread_time() - cpu)  # the loop's own work in that stall
                    peak = max(peak, rss_mb())

            start = time.perf_counter()
            got = 0
            pauses = gc_pauses()
            tick = asyncio.create_task(ticker())
            hub = Hub([Firehose(total)], backlog=total)  # every line is delivered, to both widgets
            writing, got = 0.0, 0
            hub.start()
            while got + hub.overflow < total:
                lines = hub.drain(limit=size)
                got += len(lines)
                t0 = time.perf_counter()
                if kind == "LogView":
                    widget.write(lines)
                else:
                    widget.write_lines([format_line(ln) for ln in lines])
                took = time.perf_counter() - t0
                writing += took
                longest_write = max(longest_write, took)
                await asyncio.sleep(0)
            await pilot.pause()
            wall = time.perf_counter() - start
            hub.stop()
            running = False
            await tick
            shown = len(widget.buffer.shown) if kind == "LogView" else widget.line_count
            screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # noqa: SLF001
            result.update(lines=total, batch=size, kept=shown, overflow=hub.overflow, write_lines_per_s=round(total / writing),
                          end_to_end_lines_per_s=round(total / wall), longest_write_ms=round(longest_write * 1000, 1),
                          longest_stall_ms=round(stall * 1000, 1),
                          longest_stall_cpu_ms=round(busy * 1000, 1),
                          p99_stall_ms=round(sorted(lags)[int(len(lags) * 0.99)] * 1000, 1),
                          stalls_over_50ms=sum(lag > 0.05 for lag in lags),
                          longest_gc_ms=round(max(pauses, default=0) * 1000, 1),
                          rss_growth_mb=round(max(peak, rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024) - base, 1),
                          last_line_on_screen=f"{total - 1}" in screen_text)

    asyncio.run(main())
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--maxlen", type=int, default=100_000)
    ap.add_argument("--no-freeze", action="store_true", help="leave the garbage collector as it is")
    ap.add_argument("--child")
    ap.add_argument("--screen", action="store_true",
                    help="the real LogsScreen fed at --rate lines/s (default 5M lines) instead of the widgets")
    ap.add_argument("--rate", type=float, default=300_000)
    args = ap.parse_args()
    if args.child == "LogsScreen" or (args.screen and not args.child):
        total = args.lines if args.lines != 1_000_000 or not args.screen else 5_000_000
        if not args.child:
            print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(json.dumps(screen_child(total, args.rate, args.maxlen)))
        return
    if args.child:
        print(json.dumps(child(args.child, args.lines, args.batch, args.maxlen, not args.no_freeze)))
        return
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    results = []
    for kind in ("LogView", "Log"):
        out = subprocess.run([sys.executable, __file__, "--child", kind, "--lines", str(args.lines),
                              "--batch", str(args.batch), "--maxlen", str(args.maxlen)]
                             + (["--no-freeze"] if args.no_freeze else []),
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = list(results[0])
    print(" | ".join(keys))
    for r in results:
        print(" | ".join(str(r[k]) for k in keys))
    ours, theirs = results
    print(f"LogView/Log end to end: {ours['end_to_end_lines_per_s'] / theirs['end_to_end_lines_per_s']:.2f}x")


if __name__ == "__main__":
    main()
