"""Events: what the engine tells the outside world, as plain objects.

The engine calls a plain callback with these; the CLI prints them, the TUI turns them into
Textual messages. Nothing here knows about either.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

# Step statuses, in the order a step normally passes through them.
QUEUED, STARTED, PROGRESS, DONE, FAILED, SKIPPED = "queued", "started", "progress", "done", "failed", "skipped"
# Run-level events.
RUN_STARTED, RUN_FINISHED, ROLLBACK_STARTED, NOTICE = "run-started", "run-finished", "rollback-started", "notice"


@dataclass(frozen=True)
class Event:
    kind: str
    step: str | None = None
    label: str = ""
    message: str = ""
    elapsed: float | None = None
    at: float = field(default_factory=time.time)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: v for k, v in d.items() if v not in (None, "", {})}

    def line(self) -> str:
        """One human line, for the CLI."""
        stamp = time.strftime("%H:%M:%S", time.localtime(self.at))
        took = f" ({self.elapsed:.1f}s)" if self.elapsed is not None and self.kind in (DONE, FAILED) else ""
        who = self.label or self.step or ""
        what = {
            QUEUED: "queued", STARTED: "started", PROGRESS: "", DONE: "done", FAILED: "FAILED",
            SKIPPED: "skipped",
        }.get(self.kind, "")
        text = " ".join(p for p in (who, what, self.message) if p)
        return f"{stamp}  {text}{took}" if self.step else f"{stamp}  {self.message}"


Callback = Callable[[Event], None]


def ignore(_: Event) -> None:
    """A callback that drops events."""
