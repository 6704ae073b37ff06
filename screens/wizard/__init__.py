"""The new-stack wizard: one module per step; Back keeps the answers, Esc asks before discarding.

Edit of a running stack (the detail screen's `m`) runs the same steps prefilled with its live
values (`WizardState.from_live`), without the App step (the app ships with Deploy), and ends in
the change plan (`wizard/change.py`) instead of the review of what would be created."""

from __future__ import annotations

from typing import Any

from .state import WizardState


def steps() -> list[type]:
    from .app import AppStep
    from .database import DatabaseStep
    from .domain import DomainStep
    from .instance import InstanceStep
    from .review import ReviewStep
    from .runtime import RuntimeStep

    return [DomainStep, InstanceStep, RuntimeStep, DatabaseStep, AppStep, ReviewStep]


def edit_steps() -> list[type]:
    from .change import ChangeStep

    return [*steps()[:4], ChangeStep]


def next_screen(step: int, state: WizardState) -> Any:
    return (edit_steps() if state.editing else steps())[step + 1](state)


def start(app: Any) -> None:
    from hostwiz.services.session import region

    state = WizardState(region=region(app.session))
    app.push_screen(steps()[0](state))


def start_edit(app: Any, name: str, spec: dict[str, Any], ssh_cidrs: list[str]) -> None:
    """The wizard on a running stack's live values (`services.operate.live_values`)."""
    app.push_screen(steps()[0](WizardState.from_live(name, spec, ssh_cidrs)))
