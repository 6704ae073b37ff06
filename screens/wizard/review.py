"""Step 5: the whole spec, what will be created, the monthly cost; export to TOML; Create."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from rich.table import Table
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from hostwiz import spec as specmod

from ..pricing import breakdown
from .base import WizardStep


def planned_resources(spec: specmod.StackSpec) -> list[tuple[str, str]]:
    """(what, detail) for everything `up` will create, in the words of the review."""
    n = spec.name
    out = [("Security group", f"hostwiz-{n}-app: SSH from {spec.instance.ssh_cidr}, HTTP/HTTPS from anywhere"),
           ("Key pair", f"hostwiz-{n} (ED25519; the private half stays on this machine)"),
           ("EC2 instance", f"{spec.instance.type}, {spec.instance.os.value}, {spec.instance.volume_gb} GB gp3"),
           ("Elastic IP", "a fixed public address for the instance")]
    if spec.database:
        d = spec.database
        out += [("DB security group", f"hostwiz-{n}-db: port {d.engine.port} from the app only"),
                ("DB subnet group", f"hostwiz-{n}"),
                ("RDS database", f"{spec.db_identifier}: {d.engine.value}, {d.instance_class}, {d.storage_gb} GB"),
                ("IAM role + profile", f"hostwiz-{n}-instance: reads /hostwiz/{n}/* from SSM"),
                ("SSM parameter", f"/hostwiz/{n}/database-url (SecureString)")]
    if spec.domain:
        out.append(("DNS records", ", ".join(spec.domain.record_names) + " → the Elastic IP"))
    return out


class ReviewStep(WizardStep):
    STEP = 4
    FIELDS = ()
    NEXT_LABEL = "Create"

    BINDINGS = [Binding("ctrl+n", "next", "Create", priority=True)]

    def fields(self):
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
        for what, detail in planned_resources(spec):
            res.add_row(f"[b]{what}[/]", detail)
        self.query_one("#planned", Static).update(res)
        lines, total, note = breakdown(spec)
        cost = Table.grid(padding=(0, 2))
        for label, price in lines:
            cost.add_row(label, price)
        cost.add_row("[b]Total[/]", f"[b]{total}[/]")
        cost.add_row(f"[dim]{note}[/]", "")
        self.query_one("#cost", Static).update(cost)

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
        self.notify(f"Wrote {path}; 'hostwiz up {path}' creates the same stack.", title="Exported")

    @on(Button.Pressed, "#user-data")
    def user_data(self) -> None:
        from hostwiz.userdata import render

        from ..dialogs import TextView

        self.app.push_screen(TextView("User-data (runs once on the instance's first boot)",
                                      render(self.state.spec()), "bash"))

    def advance(self) -> None:
        from ..progress import ProgressScreen

        spec = self.state.spec()
        self.app.go_home()
        self.app.push_screen(ProgressScreen(spec))
