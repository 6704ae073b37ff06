"""Runs that outlive their screen (issue 15, finding 1).

A create or teardown run lives in its screen's thread worker. Leaving the screen (Esc, the palette's
"Home", go_home) must not stop it, so while a run is in progress its screen is *installed* in the app
(Textual keeps installed screens, their workers and timers when they leave the stack). Home shows the
run live and opening the stack returns to it; the only ways to stop it are its Cancel dialog and
quitting hostwiz (which asks first). When a run ends off screen the operator is told, and its
screen is released.
"""

from __future__ import annotations

from typing import Any, Iterator

ACTIVE = ("running", "cancelling", "rolling-back")


def _on_stack(app: Any, screen: Any) -> bool:
    return any(screen in stack for stack in app._screen_stacks.values())


def tracked(app: Any) -> list[Any]:
    return list(getattr(app, "_hostwiz_runs", {}).values())


def track(app: Any, screen: Any) -> None:
    """Keep `screen` (and its worker) alive off the screen stack while its run goes on."""
    runs: dict[int, Any] = app.__dict__.setdefault("_hostwiz_runs", {})
    if id(screen) in runs:
        return
    for other in list(runs.values()):  # an earlier, finished run of the same stack
        if other.stack == screen.stack and other.phase not in ACTIVE:
            release(app, other)
    runs[id(screen)] = screen
    app.install_screen(screen, f"run:{screen.stack}:{id(screen)}")


def release(app: Any, screen: Any) -> None:
    """Forget a finished run's screen once it is off the stack (Textual then frees it)."""
    runs = getattr(app, "_hostwiz_runs", {})
    if id(screen) not in runs or _on_stack(app, screen) or screen.phase in ACTIVE:
        return
    del runs[id(screen)]
    app.uninstall_screen(screen)
    if screen.is_attached:
        screen.remove()


def active(app: Any, stack: str | None = None) -> Iterator[Any]:
    """Runs in progress (of `stack`, when given), wherever their screens are."""
    seen = set()
    for screen in [*tracked(app), *app.screen_stack]:
        if id(screen) in seen or getattr(screen, "phase", None) not in ACTIVE:
            continue
        seen.add(id(screen))
        if stack is None or getattr(screen, "stack", None) == stack:
            yield screen


def stop_all(app: Any) -> None:
    """The app is ending: every run stops where it is (the quit dialog said so)."""
    for screen in [*tracked(app), *app.screen_stack]:
        event = getattr(screen, "cancel_event", None)
        if event is not None and getattr(screen, "phase", None) in ACTIVE:
            event.set()


def left(app: Any, screen: Any) -> None:
    """Called when a run's screen leaves the stack: release it if its run is over."""
    if not _on_stack(app, screen):
        release(app, screen)


def ended(app: Any, screen: Any, note: str, error: bool = False) -> None:
    """A run ended: when its screen is off the stack, say so and release it; home lists it anew."""
    if id(screen) not in getattr(app, "_hostwiz_runs", {}) or _on_stack(app, screen):
        return
    app.notify(note, severity="error" if error else "information", timeout=10)
    release(app, screen)
    home = getattr(app, "home", None)
    # not while the app is quitting: home's widgets are being taken down (the quit stopped this run)
    if home is not None and app.screen is home and home.is_attached and not app._exit:
        home.action_refresh()
