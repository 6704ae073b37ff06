"""Messages the screens' thread workers post (thread-safe `post_message`)."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from hostwiz import events as ev


class SessionReady(Message):
    """The app's AWS session exists (or could not be made: `error`)."""

    def __init__(self, error: str = "") -> None:
        super().__init__()
        self.error = error


class EngineEvent(Message):
    """One `hostwiz.events.Event` from the engine or the deletion waves."""

    def __init__(self, event: ev.Event) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # A flood of progress lines for one step collapses to the newest (toolong's messages.py).
        return (self.event.kind == ev.PROGRESS and isinstance(message, EngineEvent)
                and message.event.step == self.event.step)


class PreflightDone(Message):
    """`services.stacks.prepare_up` answered: the plan (with its problems), or an error."""

    def __init__(self, plan: Any = None, error: str = "") -> None:
        super().__init__()
        self.plan, self.error = plan, error


class RunFinished(Message):
    """A provisioning, rollback or teardown run returned (`result` is its plain result)."""

    def __init__(self, what: str, result: Any = None, error: str = "") -> None:
        super().__init__()
        self.what, self.result, self.error = what, result, error
