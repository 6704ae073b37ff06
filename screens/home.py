"""Home: who and where (account, region, profile, SANDBOX), the stacks, and what to do with them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, LoadingIndicator, Static

from .widgets.footer import Footer, OwnKeysFirst
from .messages import Loaded, SessionReady
from .workers import WorkerFailures

@dataclass
class LedgerRow:
    """A stack as this machine's ledger knows it, before AWS answers."""

    name: str
    status: str
    region: str
    outputs: dict
    source: str = "ledger"


STATUS_STYLE = {"ready": "green", "creating": "yellow", "failed": "red", "deleting": "yellow",
                "found by tags": "magenta", "adopted": "cyan", "stopped": "blue"}


class HomeScreen(OwnKeysFirst, WorkerFailures, Screen):
    BINDINGS = [
        Binding("n", "new", "New", priority=True),  # at once: keys typed after it reach the wizard
        Binding("o", "open", "Open"),
        Binding("s", "ssh", "SSH"),
        Binding("l", "logs", "Logs"),
        Binding("t", "teardown", "Teardown"),
        Binding("c", "cleanup", "Cleanup"),
        Binding("a", "adopt", "Adopt"),
        Binding("r", "refresh", "Refresh"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__(id="home")
        self.stacks: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("SANDBOX  local AWS on 127.0.0.1, nothing real is touched", id="sandbox-banner")
        yield Static("hostwiz", id="who", classes="screen-title")
        with Vertical(id="home-body"):
            yield LoadingIndicator(id="home-loading")
            yield Static("", id="home-message")
            yield DataTable(id="stacks", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sandbox-banner").display = self.app.sandbox
        table = self.query_one("#stacks", DataTable)
        table.display = False
        self.query_one("#home-message", Static).update(
            "Starting the sandbox (a local AWS)..." if self.app.sandbox else "Connecting to AWS...")
        if not self.app.sandbox and self.app.session is None:
            self.show_ledger()
        self.set_interval(1.0, self.tick_runs)

    def show_ledger(self) -> None:
        """The first frame: the stacks this machine's ledger knows (local files, no AWS call); their
        live state and the stacks found only by tags fill in when AWS answers."""
        from hostwiz.ledger import all_stacks, default_state_dir

        opts = self.app.options
        state_dir = Path(opts.state_dir).expanduser() if opts.state_dir else default_state_dir()
        try:
            local = [LedgerRow(lg.name, lg.get("status", "?"), lg.get("region", ""), lg.get("outputs") or {})
                     for lg in all_stacks(state_dir)]
        except OSError:
            return
        self.state_dir = state_dir
        if local:
            self.fill(local, checking=True)
            self.query_one("#home-message", Static).update("Connecting to AWS for the live state...")

    def on_session_ready(self, message: SessionReady) -> None:
        if message.error:
            self.query_one("#home-loading").display = False
            self.query_one("#home-message", Static).update(
                f"[b red]Could not start:[/] {message.error}\n\nFix that, then press [b]r[/] to retry.")
            return
        self.action_refresh()

    # data -----------------------------------------------------------------------
    def action_refresh(self) -> None:
        if self.app.session is None:
            if self.app.session_error:
                self.app.session_error = ""
                self.query_one("#home-message", Static).update("Connecting to AWS...")
                self.query_one("#home-loading").display = True
                self.app.make_session()
            return
        self.query_one("#home-loading").display = True
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="home", name="home")
    def load(self) -> None:
        from hostwiz.services import stacks as operations
        from hostwiz.services.session import identity

        session = self.app.session
        ident = identity(session)  # its error says how to get credentials, or to try --sandbox
        self.post_message(Loaded("stacks", (f"account {ident['account']}", operations.list_stacks(session))))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "stacks":
            self.show(*message.value)
        elif message.what == "adopted":
            self.notify(f"{message.value} adopted; it is in the ledger now.")
            self.action_refresh()

    def worker_failed(self, name: str, error: str) -> None:
        if name == "home":
            self.show_error(error)
        elif name == "adopt":
            self.notify(f"Could not adopt: {error}", severity="error")
        else:
            super().worker_failed(name, error)

    def show_error(self, text: str) -> None:
        self.query_one("#home-loading").display = False
        self.query_one("#home-message", Static).update(f"[b red]{text}[/]\n\nPress [b]r[/] to retry.")

    def show(self, who: str, stacks: list[Any]) -> None:
        session = self.app.session
        from hostwiz.services.session import profile, region

        self.query_one("#who", Static).update(
            f"[b]hostwiz[/]   {who}   region [b]{region(session)}[/]   profile [b]{profile(session)}[/]")
        self.query_one("#home-loading").display = False
        self.fill(stacks)
        msg = self.query_one("#home-message", Static)
        if not stacks:
            msg.update("No stacks yet. Press [b]n[/] to create one with the wizard.")
        elif any(s.source == "tags" for s in stacks):
            msg.update("Some stacks exist in AWS but not in this machine's ledger: select one and press "
                       "[b]a[/] to adopt it.")
        else:
            msg.update("Select a stack and press [b]Enter[/] to open it, or [b]n[/] for a new one.")
        if stacks:
            self.query_one("#stacks", DataTable).focus()

    NARROW = 100  # columns: below, the table fits 80 (a region column only when stacks are elsewhere)

    def columns(self, stacks: list[Any]) -> tuple[str, ...]:
        if self.app.size.width >= self.NARROW:
            return "stack", "status", "region", "address", "this month", "known from"
        from hostwiz.services.session import region

        here = region(self.app.session) if self.app.session is not None else None
        elsewhere = any(s.region and s.region != here for s in stacks)
        return ("stack", "status") + (("region",) if elsewhere else ()) + ("address", "month", "from")

    def on_resize(self) -> None:
        if self.stacks:
            self.fill(self.stacks, getattr(self, "checking", False))

    def fill(self, stacks: list[Any], checking: bool = False) -> None:
        self.stacks, self.checking = stacks, checking
        table = self.query_one("#stacks", DataTable)
        cursor = table.cursor_row
        columns = self.columns(stacks)
        if tuple(str(c.label) for c in table.columns.values()) != columns:
            table.clear(columns=True)
            table.add_columns(*columns)
        else:
            table.clear()
        narrow = "known from" not in columns
        self.live_shown: set[str] = set()
        for s in stacks:
            style, status = STATUS_STYLE.get(s.status, ""), s.status
            if (live := self.live_run(s.name)) is not None:  # a run of this app, on screen or not
                style, status = "yellow", live
                self.live_shown.add(s.name)
            addr = s.outputs.get("url") or s.outputs.get("public_ip") or ""
            known = ("checking…" if narrow else "ledger (checking AWS…)") if checking else \
                "ledger" if s.source == "ledger" else "AWS tags" if narrow else "AWS tags only"
            # Text, not markup: a name found by its tags is anyone's ('ev[/]il' ended the app at start)
            row = {"stack": Text(s.name), "status": Text(status, style=style), "region": Text(s.region or ""),
                   "address": Text(addr), "this month": self.month_to_date(s), "known from": known}
            row["month"], row["from"] = row["this month"], known
            table.add_row(*(row[c] for c in columns), key=s.name)
        table.display = bool(stacks)
        if stacks:
            table.move_cursor(row=min(cursor, len(stacks) - 1))

    def live_run(self, name: str) -> str | None:
        """The status of a run of `name` going on in this app (on screen or in the background)."""
        from . import runs

        run = next(runs.active(self.app, name), None)
        if run is None:
            return None
        what = "deleting" if run.__class__.__name__.startswith("Teardown") else "creating"
        return f"{what}… (live)"

    def tick_runs(self) -> None:
        """Home follows the runs going on in this app: their rows show them live (no AWS call here;
        a run that ends refreshes home itself, `runs.ended`)."""
        from . import runs

        live = {s.stack for s in runs.active(self.app)} & {s.name for s in self.stacks}
        if live != getattr(self, "live_shown", set()):
            self.fill(self.stacks)

    def month_to_date(self, s: Any) -> str:
        """What the stack has cost this month, from the ledger's running/stopped periods (local files)."""
        from hostwiz.services.watch import cost_so_far_at

        state_dir = self.app.session.state_dir if self.app.session is not None else getattr(self, "state_dir", None)
        spent = cost_so_far_at(state_dir, s.name) if state_dir is not None and s.source == "ledger" else None
        return f"${spent.month_to_date:,.2f}" if spent is not None else "—"

    # actions --------------------------------------------------------------------
    def selected(self) -> Any | None:
        table = self.query_one("#stacks", DataTable)
        if not self.stacks or not table.display:
            self.notify("No stack selected; press n to create one.", severity="warning")
            return None
        return self.stacks[min(table.cursor_row, len(self.stacks) - 1)]

    def _ready(self) -> bool:
        if self.app.session is None:
            self.notify("Still connecting; try again in a moment.", severity="warning")
            return False
        return True

    def action_new(self) -> None:
        if self._ready():
            from .wizard import start

            start(self.app)

    @on(DataTable.RowSelected, "#stacks")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        s = self.selected()
        if s is None:
            return
        if s.source == "tags":
            self.action_adopt()
            return
        from . import runs

        if (run := next(runs.active(self.app, s.name), None)) is not None:  # back to its live progress
            self.app.push_screen(run)
            return
        from .detail import DetailScreen

        self.app.push_screen(DetailScreen(s.name))

    def action_ssh(self) -> None:
        if (s := self.selected()) is not None:
            from .ssh import SshScreen

            self.app.push_screen(SshScreen(s.name))

    def action_logs(self) -> None:
        if (s := self.selected()) is not None:
            from .logs import LogsScreen

            self.app.push_screen(LogsScreen(s.name))

    def action_cleanup(self) -> None:
        self.app.open_cleanup()

    def action_teardown(self) -> None:
        if (s := self.selected()) is not None and self._ready():
            from .teardown import TeardownScreen

            self.app.push_screen(TeardownScreen(s.name))

    def action_adopt(self) -> None:
        s = self.selected()
        if s is None:
            return
        if s.source != "tags":
            self.notify(f"{s.name} is already in the ledger.")
            return
        self.plan_adopt(s.name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="adopt", name="plan-adopt")
    def plan_adopt(self, name: str) -> None:
        """What adopting would take over (read-only), then the confirmation that shows it."""
        from hostwiz.services import stacks as operations

        plan = operations.plan_adopt(self.app.session, name)
        self.app.call_from_thread(self._confirm_adopt, plan)

    def _confirm_adopt(self, plan) -> None:
        from .dialogs import Confirm

        if not plan.ok:
            self.notify(f"Cannot adopt {plan.name}: {plan.problem}", severity="error")
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.adopt(plan)

        self.app.push_screen(Confirm(
            f"Adopt {plan.name}?", "\n".join(plan.lines()) + "\n\nIt has no ledger on this machine. Adopting "
            "writes one for exactly these (nothing in AWS changes), so you can open and tear it down here.",
            yes="Adopt", no="Not now"), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="adopt", name="adopt")  # not cancelled by a refresh
    def adopt(self, plan) -> None:
        from hostwiz.services import stacks as operations

        operations.adopt(self.app.session, plan.name, plan)
        self.post_message(Loaded("adopted", plan.name))

    def on_screen_resume(self) -> None:
        if self.app.session is not None:
            self.action_refresh()

    def palette(self):
        from textual.app import SystemCommand

        yield SystemCommand("Refresh stacks", "List the stacks again (ledger and AWS tags)", self.action_refresh)
        yield SystemCommand("Open stack", "Open the selected stack", self.action_open)
        yield SystemCommand("Tear down stack", "Plan and delete the selected stack", self.action_teardown)
        yield SystemCommand("Adopt stack", "Write a ledger for a stack found only by its tags", self.action_adopt)
        yield SystemCommand("SSH", "Open a shell on the selected stack's instance", self.action_ssh)
        yield SystemCommand("Logs", "Follow the selected stack's logs", self.action_logs)

