"""Step 6: the whole spec, what will be created, the monthly cost; export to TOML; Create.

Before Create is enabled, the same preflight as `hostwiz up` runs against AWS
(`services.stacks.prepare_up`): an instance type not offered, a missing hosted zone, a DNS record
someone else owns, no default VPC. Its problems show here, before anything is created."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from rich.table import Table
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from hostwiz import plan as planmod
from hostwiz import spec as specmod

from ..messages import PreflightDone
from ..pricing import breakdown
from .base import WizardStep


class ReviewStep(WizardStep):
    STEP = 5
    FIELDS = ()
    NEXT_LABEL = "Create"

    BINDINGS = [Binding("ctrl+n", "next", "Create", priority=True)]

    up_plan = None  # the preflight's answer (`services.stacks.UpPlan`)
    preflight_problems: dict[str, str] = {}

    def fields(self):
        yield Static("checking with AWS before anything is created…", id="preflight")
        yield Label("What will be created", classes="section")
        yield Static(id="planned")
        yield Label("Monthly cost", classes="section")
        yield Static(id="cost")
        with Horizontal(classes="export"):
            yield Input(f"{self.state.name or 'stack'}.toml", id="export-path", compact=True)
            yield Button("Export TOML", id="export", compact=True)
            yield Button("View user-data", id="user-data", compact=True)
        yield Label("The spec", classes="section")
        yield Static(id="spec-toml")

    def on_mount(self) -> None:
        super().on_mount()
        try:
            spec = self.state.spec()
        except specmod.SpecError:
            return  # the step error line says what is wrong
        self.query_one("#spec-toml", Static).update(Syntax(specmod.dumps(spec), "toml", theme="ansi_dark"))
        res = Table.grid(padding=(0, 2))
        for what, detail in planmod.resources(spec):
            res.add_row(f"[b]{what}[/]", detail)
        self.query_one("#planned", Static).update(res)
        lines, total, note = breakdown(spec)
        cost = Table.grid(padding=(0, 2))
        for label, price in lines:
            cost.add_row(label, price)
        cost.add_row("[b]Total[/]", f"[b]{total}[/]")
        cost.add_row(f"[dim]{note}[/]", "")
        self.query_one("#cost", Static).update(cost)
        self.busy.add("preflight")
        self.revalidate()
        self.preflight(spec)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preflight", name="preflight")
    def preflight(self, spec: specmod.StackSpec) -> None:
        from hostwiz.services.stacks import prepare_up

        self.post_message(PreflightDone(prepare_up(self.app.session, spec)))

    def worker_failed(self, name: str, error: str) -> None:  # Create stays off: nothing is created unchecked
        self.preflighted({"preflight": f"could not check with AWS: {error}"})

    def on_preflight_done(self, message: PreflightDone) -> None:
        self.up_plan = message.plan
        problems: dict[str, str] = {}
        for field, text in message.plan.problems:  # every problem, even several on one field
            problems[field] = f"{problems[field]}; {text}" if field in problems else text
        self.preflighted(problems)

    def preflighted(self, problems: dict[str, str]) -> None:
        self.busy.discard("preflight")
        box = self.query_one("#preflight", Static)
        self.preflight_problems = problems
        self.touched |= set(self.preflight_problems)
        if self.preflight_problems:
            head = "Could not check with AWS" if "preflight" in problems else "AWS says no"
            box.update(f"[red]{head} (below): nothing was created.[/] Go back (ctrl+b) and change it, "
                       "or fix it in AWS and come back.")
        else:
            spec = self.up_plan.spec if self.up_plan is not None else None
            names = " and the DNS names are free" if spec is not None and spec.domain else ""
            notes = "".join(f"\n[yellow]![/] {note}" for note in self.up_plan.notes) if self.up_plan else ""
            box.update(f"[green]✔[/] checked with AWS: the instance type is offered{names}{notes}")
        self.revalidate()

    def problems(self) -> dict[str, str]:
        return {**super().problems(), **self.preflight_problems}

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export")
    def export(self, event) -> None:
        event.stop()
        path = Path(self.query_one("#export-path", Input).value).expanduser()
        try:
            path.write_text(specmod.dumps(self.state.spec()), encoding="utf-8")
        except (OSError, specmod.SpecError) as err:
            self.notify(f"Could not export: {err}", severity="error")
            return
        command = "hostwiz --sandbox up" if self.app.sandbox else "hostwiz up"  # the same AWS as this app's
        self.notify(f"Wrote {path}; '{command} {path}' creates the same stack.", title="Exported")

    @on(Button.Pressed, "#user-data")
    def user_data(self) -> None:
        from hostwiz.userdata import render

        from ..dialogs import TextView

        self.app.push_screen(TextView("User-data (runs once on the instance's first boot)",
                                      render(self.state.spec()), "bash"))

    def advance(self) -> None:
        from ..progress import ProgressScreen

        spec = self.state.spec()
        cidr = self.up_plan.ssh_cidr if self.up_plan is not None else None
        self.app.go_home()
        self.app.push_screen(ProgressScreen(spec, ssh_cidr=cidr))
