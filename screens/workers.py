"""One place per screen where worker failures land.

Screens start thread workers (`@work(thread=True, exit_on_error=False, name=...)`) that post their
result as a message (`screens.messages`) and simply raise on failure. Textual then posts
`Worker.StateChanged` (ERROR) to the screen; this mixin turns it into `worker_failed(name, error)`
with the error in plain words (`hostwiz.errors.describe_error`: AWS code and message, no traceback).
Screens override `worker_failed` to say what failed where; the default is a notification.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from hostwiz.errors import describe_error


class WorkerFailures:
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.worker_failed(event.worker.name, describe_error(event.worker.error))

    def worker_failed(self, name: str, error: str) -> None:
        self.notify(f"{name}: {error}", severity="error")  # type: ignore[attr-defined]
