"""Runs a graph of steps on worker threads.

A step starts as soon as every step it depends on is done, so independent work overlaps
(the database create starts while the instance is still being made). The engine reports
through a plain callback of `hostwiz.events.Event`; it knows nothing about who listens.
On the first failure it stops starting new steps, cancels waits in progress, lets running
calls finish, and reports the failure; rolling back is the caller's decision.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable

from hostwiz import events as ev
from hostwiz.errors import describe_error

from .waiting import Cancelled


@dataclass
class StepResult:
    """What a step made: outputs later steps read (`ctx.out(step)`), and a line for the operator."""

    outputs: dict[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass
class Step:
    name: str
    label: str
    run: Callable[["StepContext"], StepResult | None]
    deps: tuple[str, ...] = ()
    estimate: float = 1.0  # typical seconds, for the ETA and the critical path


@dataclass
class StepContext:
    step: str
    outputs: dict[str, dict[str, Any]]
    cancel: threading.Event
    emit: Callable[[ev.Event], None]
    label: str = ""

    def out(self, step: str) -> dict[str, Any]:
        return self.outputs.get(step, {})

    def progress(self, message: str) -> None:
        self.emit(ev.Event(ev.PROGRESS, self.step, self.label, message))


@dataclass
class RunResult:
    ok: bool
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, BaseException] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)  # step -> (start, end)
    cancelled: bool = False

    @property
    def wall(self) -> float:
        if not self.timings:
            return 0.0
        return max(e for _, e in self.timings.values()) - min(s for s, _ in self.timings.values())


def check_graph(steps: list[Step]) -> None:
    names = {s.name for s in steps}
    if len(names) != len(steps):
        raise ValueError("two steps share a name")
    for s in steps:
        missing = set(s.deps) - names
        if missing:
            raise ValueError(f"step {s.name} depends on unknown steps {sorted(missing)}")
    order = topological(steps)
    if len(order) != len(steps):
        raise ValueError("the steps depend on each other in a cycle")


def topological(steps: list[Step]) -> list[Step]:
    done: set[str] = set()
    out: list[Step] = []
    pending = list(steps)
    while pending:
        ready = [s for s in pending if set(s.deps) <= done]
        if not ready:
            break
        for s in ready:
            out.append(s)
            done.add(s.name)
        pending = [s for s in pending if s.name not in done]
    return out


def critical_path(steps: list[Step], durations: dict[str, float]) -> tuple[float, list[str]]:
    """Longest chain through the graph by the given durations: (seconds, step names)."""
    best: dict[str, tuple[float, list[str]]] = {}
    for s in topological(steps):
        before = max((best[d] for d in s.deps), default=(0.0, []), key=lambda x: x[0])
        best[s.name] = (before[0] + durations.get(s.name, 0.0), before[1] + [s.name])
    return max(best.values(), key=lambda x: x[0], default=(0.0, []))


class Engine:
    def __init__(self, steps: list[Step], on_event: ev.Callback = ev.ignore, *, max_workers: int = 8,
                 cancel: threading.Event | None = None):
        check_graph(steps)
        self.steps = {s.name: s for s in steps}
        self.on_event = on_event
        self.max_workers = max_workers
        self.cancel = cancel or threading.Event()
        self._emit_lock = threading.Lock()

    def emit(self, event: ev.Event) -> None:
        with self._emit_lock:  # listeners see one event at a time, in order
            self.on_event(event)

    def run(self, outputs: dict[str, dict[str, Any]] | None = None) -> RunResult:
        result = RunResult(ok=True, outputs=dict(outputs or {}))
        done: set[str] = set(result.outputs)
        for name, step in self.steps.items():
            if name not in done:
                self.emit(ev.Event(ev.QUEUED, name, step.label))
        running: dict[Future, str] = {}
        started: dict[str, float] = {}
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="hostwiz-step") as pool:
            while True:
                if result.ok and not self.cancel.is_set():
                    for name, step in self.steps.items():
                        if name in done or name in started or not set(step.deps) <= done:
                            continue
                        started[name] = time.monotonic()
                        self.emit(ev.Event(ev.STARTED, name, step.label))
                        ctx = StepContext(name, result.outputs, self.cancel, self.emit, step.label)
                        running[pool.submit(step.run, ctx)] = name
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    name = running.pop(fut)
                    step = self.steps[name]
                    end = time.monotonic()
                    result.timings[name] = (started[name], end)
                    err = fut.exception()
                    if err is None:
                        out = fut.result() or StepResult()
                        result.outputs[name] = out.outputs
                        done.add(name)
                        self.emit(ev.Event(ev.DONE, name, step.label, out.message, elapsed=end - started[name]))
                    else:
                        result.ok = False
                        if isinstance(err, Cancelled):
                            result.cancelled = True
                        else:
                            result.failed[name] = err
                        self.cancel.set()  # stop waits in other steps; running API calls finish
                        self.emit(ev.Event(ev.FAILED, name, step.label, describe_error(err),
                                           elapsed=end - started[name]))
        if self.cancel.is_set() and result.ok:
            result.ok, result.cancelled = False, True
        for name, step in self.steps.items():
            if name not in done and name not in result.failed and name not in started:
                result.skipped.append(name)
                self.emit(ev.Event(ev.SKIPPED, name, step.label, "not started"))
        return result

