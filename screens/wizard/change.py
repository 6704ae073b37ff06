"""Edit's last step: what would change on the running stack, instead of what would be created.

The same plan as `hostwiz up SPEC` on a running stack (`services.operate.plan_change`): each
change with how it is made (in place, with a stop, or by replacement and what that loses), the
field-level refusals, and the monthly cost before and after. Replacements are refused unless the
operator ticks Replace; Apply asks once more, then the change screen (`screens/changes.py`) runs
`services.operate.apply_change` and shows its events."""

from __future__ import annotations

from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from textual import work
from textual.binding import Binding
from textual.widgets import Label, Static

from hostwiz import spec as specmod

from ..messages import Loaded
from ..widgets.check import Check
from .base import WizardStep, fieldbox

HOW = {"in-place": "[green]in place[/]", "needs-stop": "[yellow]needs a stop[/]", "replace": "[b red]REPLACES[/]"}
CLI_REPLACE = "add --replace to ask for it"
TUI_REPLACE = "tick Replace to ask for it"


def shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "none" if value is None else str(value)


def plan_table(plan) -> Table:
    """The plan's changes as a table: what, now -> after, how, what it does and what it loses."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for c in plan.changes:
        table.add_row(c.label, f"{escape(shown(c.before))} → [b]{escape(shown(c.after))}[/]   {HOW.get(c.how, c.how)}")
        table.add_row("", f"[dim]{escape(c.detail)}[/]")
        if c.loses:
            table.add_row("", f"[red]loses:[/] {escape(c.loses)}")
    return table


class ChangeStep(WizardStep):
    STEP = 4
    FIELDS = ()
    NEXT_LABEL = "Apply"
    BINDINGS = [Binding("ctrl+n", "next", "Apply", priority=True)]

    plan = None  # `hostwiz.changes.ChangePlan`, once made
    plan_problems: dict[str, str] = {}

    def fields(self):
        yield Static("reading what runs now…", id="plan-state")
        yield Label("What changes", classes="section")
        yield Static(id="changes")
        yield fieldbox("", Check("Replace (I have read what it loses)", False, id="replace"),
                       "replace", "")
        yield fieldbox("", Check("Database now (off: maintenance window)", True, id="apply-now"),
                       "apply_now", "")
        yield Label("Monthly cost", classes="section")
        yield Static(id="cost")
        yield Label("The spec", classes="section")
        yield Static(id="spec-toml")

    def on_mount(self) -> None:
        super().on_mount()
        try:
            spec = self.state.spec()
        except specmod.SpecError:
            return
        self.query_one("#spec-toml", Static).update(Syntax(specmod.dumps(spec), "toml", theme="ansi_dark"))
        self.replan()

    def _go_live(self) -> None:
        super()._go_live()
        self.query_one("#back").focus()  # never a keypress away from asking for a replacement
        self.show_options()

    def show_options(self) -> None:
        """Replace shows when something must be replaced (or was asked for); database timing when the
        database changes."""
        plan = self.plan
        replace, now = self.query_one("#replace", Check), self.query_one("#apply-now", Check)
        replace.parent.parent.display = replace.value or bool(plan and any(c.how == "replace" for c in plan.changes))
        now.parent.parent.display = (not now.value) or bool(plan and any(c.key.startswith("database")
                                                                         for c in plan.changes))

    def options(self) -> tuple[bool, bool]:
        return self.query_one("#replace", Check).value, self.query_one("#apply-now", Check).value

    def replan(self) -> None:
        self.busy.add("plan")
        self.query_one("#plan-state", Static).update("comparing with what runs now…")
        self.revalidate()
        self.make_plan(self.state.spec(), *self.options())

    def changed(self, widget) -> None:
        if widget.id in ("replace", "apply-now"):
            self.replan()

    @work(thread=True, exclusive=True, exit_on_error=False, group="plan", name="plan")
    def make_plan(self, spec: specmod.StackSpec, replace: bool, apply_now: bool) -> None:
        from hostwiz.services.operate import plan_change

        self.post_message(Loaded("plan", plan_change(self.app.session, spec, replace=replace, apply_now=apply_now),
                                 key=(replace, apply_now)))

    def worker_failed(self, name: str, error: str) -> None:  # Apply stays off: nothing changes unplanned
        self.plan = None
        self.planned({"plan": f"could not read what runs: {error}"}, f"[red]Could not read what runs:[/] {escape(error)}")

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "plan" or message.key != self.options():
            return  # an older answer
        plan = self.plan = message.value
        problems: dict[str, str] = {}
        for field, text in plan.problems:
            text = text.replace(CLI_REPLACE, TUI_REPLACE)
            problems[field] = f"{problems[field]}; {text}" if field in problems else text
        self.query_one("#changes", Static).update(plan_table(plan) if plan.changes else "nothing")
        cost = Table.grid(padding=(0, 2))
        cost.add_row("now", f"${plan.cost_before:.2f}/month")
        cost.add_row("after", f"[b]${plan.cost_after:.2f}/month[/]")
        self.query_one("#cost", Static).update(cost)
        if problems:
            head = "[red]Refused (below): nothing was changed.[/] Go back (ctrl+b) and change it."
        elif plan.empty:
            head = f"{self.state.editing} already runs with these values: nothing to change."
            problems["changes"] = "nothing to change"
        else:
            stops = [c.label for c in plan.changes if c.how != "in-place"]
            head = f"[green]✔[/] {len(plan.changes)} change(s) planned" + (
                f"; the site or the database is down for a while during: {', '.join(stops)}" if stops else
                ", all in place (no downtime)")
        self.planned(problems, head)
        self.show_options()

    def planned(self, problems: dict[str, str], head: str) -> None:
        self.busy.discard("plan")
        self.plan_problems = problems
        self.touched |= set(problems) - {"changes"}
        self.query_one("#plan-state", Static).update(head)
        self.revalidate()

    def problems(self) -> dict[str, str]:
        return {**super().problems(), **self.plan_problems}

    def advance(self) -> None:
        from ..dialogs import Confirm

        plan, spec = self.plan, self.state.spec()
        if plan is None:
            return
        lines = [f"{c.label}: {shown(c.before)} → {shown(c.after)}  ({c.how.replace('-', ' ')})" for c in plan.changes]
        risky = any(c.how != "in-place" for c in plan.changes)
        loses = [c.loses for c in plan.changes if c.loses]
        text = "\n".join(lines) + ("\n\nLoses: " + "; ".join(loses) if loses else "") + \
            f"\n\nCost: ${plan.cost_before:.2f}/month now, ${plan.cost_after:.2f}/month after"

        def answered(yes: bool | None) -> None:
            if yes:
                from ..changes import ChangeScreen

                self.app.go_home()
                self.app.push_screen(ChangeScreen(spec, plan))

        self.app.push_screen(Confirm(f"Apply {len(plan.changes)} change(s) to {self.state.editing}?", text,
                                     yes="Apply", no="Not now", danger=risky), answered)
