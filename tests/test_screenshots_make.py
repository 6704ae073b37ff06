"""screenshots/make.py's tour waits for the app's workers between keys; a worker cancelled while it
waits (an exclusive worker started again, a screen left) must not end the tour (found at 80x24:
`make.py --size 80x24` died after "Open stack" with WorkerCancelled)."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from pathlib import Path

from textual import work
from textual.app import App

MAKE = Path(__file__).resolve().parent.parent / "screenshots" / "make.py"


def load_make():
    spec = importlib.util.spec_from_file_location("screenshots_make", MAKE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Restarts(App):
    """A screen-like app whose exclusive worker is started again while the first one is out."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()
        self.finished: list[int] = []

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self, n: int) -> None:
        self.started.set()
        self.release.wait(10)
        self.finished.append(n)


def test_settle_survives_a_worker_cancelled_while_it_waits():
    make = load_make()

    async def tour():
        app = Restarts()
        async with app.run_test(size=(80, 24)) as pilot:
            app.load(1)
            await asyncio.get_running_loop().run_in_executor(None, app.started.wait, 10)
            waiting = asyncio.create_task(make.settle(pilot))
            await asyncio.sleep(0.05)
            assert not waiting.done()  # it waits for the worker that is out
            app.load(2)  # exclusive: cancels the first while settle waits on it
            app.release.set()
            await asyncio.wait_for(waiting, 10)  # without the fix: WorkerCancelled
            await make.settle(pilot)
            return app.finished

    assert 2 in asyncio.run(tour())

