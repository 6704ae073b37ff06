"""Messages the screens' thread workers post (`post_message` is thread-safe), as dataclasses.

A worker posts its result as one of these and lets failures raise: the screen's one failure
handler (`screens.workers.WorkerFailures`) turns them into plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from hostwiz import events as ev


@dataclass
class SessionReady(Message):
    """The app's AWS session exists (or could not be made: `error`)."""

    error: str = ""


@dataclass
class EngineEvent(Message):
    """One `hostwiz.events.Event` from the engine, the deletion waves or a discovery."""

    event: ev.Event

    def can_replace(self, message: Message) -> bool:
        # A flood of progress lines for one step collapses to the newest (toolong's messages.py).
        return (self.event.kind == ev.PROGRESS and isinstance(message, EngineEvent)
                and message.event.step == self.event.step)


@dataclass
class Loaded(Message):
    """A lookup finished: `what` names it (e.g. "zones", "types"), `value` is its plain result."""

    what: str
    value: Any = None
    key: Any = None  # what it was looked up for (a region, a stack), so stale answers can be dropped


@dataclass
class PreflightDone(Message):
    """`services.stacks.prepare_up` answered (its problems are in the plan)."""

    plan: Any


@dataclass
class RunFinished(Message):
    """A provisioning, rollback or teardown run returned (`result` is its plain result, or `error`)."""

    what: str
    result: Any = None
    error: str = ""
