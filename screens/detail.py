"""One stack: every resource with its ID and live state, URL, SSH command, database, monthly cost."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, LoadingIndicator, Static

from hostwiz.ledger import Ledger

from .messages import Loaded
from .pricing import NO_PRICE, breakdown
from .workers import WorkerFailures

MASK = "••••••••"


class DetailScreen(WorkerFailures, Screen):
    BINDINGS = [
        Binding("escape", "app.home", "Back"),
        Binding("r", "refresh", "Refresh"),
        Binding("p", "reveal", "Show/hide password"),
        Binding("y", "copy_ssh", "Copy SSH"),
        Binding("c", "copy_connection", "Copy DB URL"),
        Binding("s", "ssh", "SSH"),
        Binding("l", "logs", "Logs"),
        Binding("t", "teardown", "Teardown"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__(classes="detail")
        self.stack = name
        self.revealed = False
        self.password: Any = None
        self.password_looked_up = False
        self.dns: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Stack {self.stack}[/]", classes="screen-title", id="title")
        yield Static("", id="facts")
        yield LoadingIndicator(id="detail-loading")
        yield DataTable(id="resources", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#resources", DataTable).add_columns("resource", "id", "name", "state", "region")
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one("#detail-loading").display = True
        self.show_facts()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail", name="detail")
    def load(self) -> None:
        from hostwiz import secrets
        from hostwiz.services import stacks as operations

        # the password first: shown now, not after the (slower, fallible) resource listing
        self.post_message(Loaded("password", secrets.fetch(secrets.db_password_account(self.stack))))
        st = operations.status(self.app.session, self.stack)
        rows = [(kind_label(r.kind), r.id, r.name if r.name != r.id else "",
                 str(r.data.get("state") or r.data.get("status") or "exists"), r.region) for r in st.resources]
        self.post_message(Loaded("status", (rows, st.dns)))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "password":
            self.password, self.password_looked_up = message.value, True
            self.show_facts()
        elif message.what == "status":
            rows, self.dns = message.value
            self.show_resources(rows)

    def worker_failed(self, name: str, error: str) -> None:
        self.query_one("#detail-loading").display = False
        what = "the database password from the keyring" if not self.password_looked_up else "the resources"
        self.notify(f"Could not read {what}: {error}. Press r to retry.", severity="error")

    def show_resources(self, rows: list[tuple[str, ...]]) -> None:
        self.query_one("#detail-loading").display = False
        table = self.query_one("#resources", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*row)
        if not rows:
            self.notify(f"No resources of {self.stack} exist in AWS.", severity="warning")
        self.show_facts()

    def show_facts(self) -> None:
        ledger = Ledger(self.app.session.state_dir, self.stack)
        out: dict[str, Any] = ledger.get("outputs") or {}
        spec_data = ledger.get("spec") or {}
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_row("Status", str(ledger.get("status", "?")) + (f"  ({ledger.get('error')})" if ledger.get("error")
                                                                 and ledger.get("status") != "ready" else ""))
        grid.add_row("URL", out.get("url") or "—")
        grid.add_row("Public IP", out.get("public_ip") or "—")
        if self.dns:
            grid.add_row("DNS", "\n".join(self.dns))
        grid.add_row("SSH", out.get("ssh_command") or "—")
        if out.get("db_endpoint"):
            grid.add_row("Database", f"{out['db_endpoint']}:{out.get('db_port')}")
            grid.add_row("Connection", self.connection_string(spec_data, out))
        grid.add_row("Monthly cost", self.cost(spec_data))
        self.query_one("#facts", Static).update(grid)

    # copies go through the terminal (OSC 52), so they work over SSH and in tmux with set-clipboard on
    def action_copy_ssh(self) -> None:
        out = Ledger(self.app.session.state_dir, self.stack).get("outputs") or {}
        if not out.get("ssh_command"):
            self.notify("No SSH command yet: the stack has no address.", severity="warning")
            return
        self.app.copy_to_clipboard(out["ssh_command"])
        self.notify("Copied the SSH command to the clipboard.")

    def action_copy_connection(self) -> None:
        ledger = Ledger(self.app.session.state_dir, self.stack)
        out, spec_data = ledger.get("outputs") or {}, ledger.get("spec") or {}
        if not out.get("db_endpoint"):
            self.notify(f"{self.stack} has no database.", severity="warning")
            return
        if self.password is None:
            self.notify("The password is not in this machine's keyring: nothing to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(self.connection_url(spec_data, out, self.password.reveal()))
        self.notify("Copied the connection string (with its password) to the clipboard.")

    @staticmethod
    def connection_url(spec_data: dict, out: dict, password: str) -> str:
        db = spec_data.get("database") or {}
        scheme = {"postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql"}.get(db.get("engine"), "db")
        return (f"{scheme}://{db.get('username', 'hostwiz')}:{password}@{out['db_endpoint']}:{out.get('db_port')}/"
                f"{db.get('db_name', 'app')}")

    def connection_string(self, spec_data: dict, out: dict) -> str:
        db = spec_data.get("database") or {}
        scheme = {"postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql"}.get(db.get("engine"), "db")
        if not self.password_looked_up:
            pw = "(looking in the keyring…)"
        elif self.password is None:
            pw = "(not in this machine's keyring)"
        else:
            pw = self.password.reveal() if self.revealed else MASK
        hint = "" if self.password is None else ("   [dim]p hides it[/]" if self.revealed else "   [dim]p shows it[/]")
        return (f"{scheme}://{db.get('username', 'hostwiz')}:{pw}@{out['db_endpoint']}:{out.get('db_port')}/"
                f"{db.get('db_name', 'app')}{hint}")

    def cost(self, spec_data: dict) -> str:
        from hostwiz import spec as specmod

        try:
            _, total, _ = breakdown(specmod.validate(spec_data))
        except specmod.SpecError:
            return NO_PRICE
        return total

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.show_facts()

    def action_ssh(self) -> None:
        from .ssh import SshScreen

        self.app.push_screen(SshScreen(self.stack))

    def action_logs(self) -> None:
        from .logs import LogsScreen

        self.app.push_screen(LogsScreen(self.stack))

    def action_teardown(self) -> None:
        from .teardown import TeardownScreen

        self.app.push_screen(TeardownScreen(self.stack))

    def palette(self):
        from textual.app import SystemCommand

        yield SystemCommand("Refresh stack", "List the stack's resources again", self.action_refresh)
        yield SystemCommand("Show/hide database password", "Reveal the password in the connection string",
                            self.action_reveal)
        yield SystemCommand("Tear down stack", f"Plan and delete {self.stack}", self.action_teardown)


def kind_label(kind: str) -> str:
    from hostwiz.services.lookups import kind_label as label

    return label(kind)
