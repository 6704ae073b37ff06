"""The new-stack wizard: one module per step; Back keeps the answers, Esc asks before discarding."""

from __future__ import annotations

from typing import Any

from .state import WizardState


def steps() -> list[type]:
    from .database import DatabaseStep
    from .domain import DomainStep
    from .instance import InstanceStep
    from .review import ReviewStep
    from .runtime import RuntimeStep

    return [DomainStep, InstanceStep, RuntimeStep, DatabaseStep, ReviewStep]


def next_screen(step: int, state: WizardState) -> Any:
    return steps()[step + 1](state)


def start(app: Any) -> None:
    from hostwiz.services.session import region

    state = WizardState(region=region(app.session))
    app.push_screen(steps()[0](state))
