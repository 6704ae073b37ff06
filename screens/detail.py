"""One stack: every resource with its ID and live state, URL, SSH command, database, monthly cost;
and the watch panel (site health, metrics as sparklines, alarms, cost so far), refreshed in workers."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, LoadingIndicator, Static

from hostwiz.ledger import LIVE, Ledger, status_of

from .widgets.footer import Footer, OwnKeysFirst
from .messages import Loaded
from .pricing import NO_PRICE, breakdown
from .widgets.watch import WatchPanel
from .workers import WorkerFailures

MASK = "••••••••"
FACT_LABEL_WIDTH = 20  # the facts' label column, its gap and the screen's padding


class DetailScreen(OwnKeysFirst, WorkerFailures, Screen):
    # The footer shows these in this order, as far as the width goes (80 columns: through Stop): the
    # stack's main actions first, short labels; every key, these first, is in F1 (issue 15, finding 6)
    BINDINGS = [
        Binding("escape", "app.home", "Back"),
        Binding("u", "resume", "Resume"),  # only on a failed create, and then first
        Binding("s", "ssh", "SSH"),
        Binding("l", "logs", "Logs"),
        Binding("d", "deploy", "Deploy"),
        Binding("t", "teardown", "Teardown"),
        Binding("x", "power('stop')", "Stop"),  # one of the two, as the stack is
        Binding("x", "power('start')", "Start"),
        Binding("m", "edit", "Edit"),
        Binding("r", "refresh", "Refresh"),
        Binding("p", "reveal", "Password"),
        Binding("y", "copy_ssh", "Copy SSH"),
        Binding("c", "copy_connection", "Copy DB URL"),
        Binding("v", "releases", "Releases"),
        Binding("e", "settings", "Settings"),
        Binding("w", "window", "1h/24h/7d"),
    ]
    RESUMABLE = ("failed", "creating", "rollback-incomplete")  # re-running up carries on from what exists

    def __init__(self, name: str) -> None:
        super().__init__(classes="detail")
        self.stack = name
        self.revealed = False
        self.password: Any = None
        self.password_looked_up = False
        self.dns: list[str] = []
        self.address: str | None = None  # the Elastic IP found among the resources

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Stack {self.stack}[/]", classes="screen-title", id="title")
        with VerticalScroll(id="detail-body"):
            yield Static("", id="facts")
            yield WatchPanel(self.stack)
            yield LoadingIndicator(id="detail-loading")
            yield DataTable(id="resources", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        # state and region before the long IDs: 80 columns keep them (issue 15, finding 6)
        self.query_one("#resources", DataTable).add_columns("resource", "state", "region", "id", "name")
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
        rows = [(kind_label(r.kind), str(r.data.get("state") or r.data.get("status") or "exists"), r.region,
                 r.id, r.name if r.name != r.id else "") for r in st.resources]
        address = next((r.data["public_ip"] for r in st.resources if r.data.get("public_ip")), None)
        self.post_message(Loaded("status", (rows, st.dns, address)))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "password":
            self.password, self.password_looked_up = message.value, True
            self.show_facts()
        elif message.what == "status":
            rows, self.dns, self.address = message.value
            self.show_resources(rows)
        elif message.what == "edit":
            from .wizard import start_edit

            self.busy("")
            start_edit(self.app, self.stack, message.value.spec, message.value.ssh_cidrs)
        elif message.what == "power":
            r = message.value
            self.notify(f"{self.stack} is {r.state}: ${r.running_monthly:.2f}/month running, "
                        f"${r.stopped_monthly:.2f}/month stopped." + "".join(f" {n}" for n in r.notes))
            self.refresh_bindings()  # x said Stop before it stopped: now it says Start, and back
            self.action_refresh()

    def worker_failed(self, name: str, error: str) -> None:
        if name in ("edit", "resume"):
            self.busy("")
        if name == "edit":
            self.notify(f"Could not read what {self.stack} runs: {error}", severity="error")
            return
        if name == "stop/start":
            self.notify(f"Could not stop or start {self.stack}: {error}", severity="error")
            return
        if name == "resume":
            self.notify(f"Cannot resume {self.stack}: {error}", severity="error")
            return
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
        grid.add_column(overflow="fold")  # a long path or address goes on the next line, never cut
        grid.add_row("Status", str(ledger.get("status", "?")) + (f"  ({ledger.get('error')})" if ledger.get("error")
                                                                 and ledger.get("status") != "ready" else ""))
        if self.resumable():
            grid.add_row("Next", "press u to resume (up again, from what exists) or t to tear it down")
        grid.add_row("URL", out.get("url") or "—")
        grid.add_row("Public IP", self.public_ip(ledger, out) or "—")
        if self.dns:
            grid.add_row("DNS", "\n".join(self.dns))
        grid.add_row("SSH", out.get("ssh_command") or "—")
        if out.get("db_endpoint"):
            grid.add_row("Database", f"{out['db_endpoint']}:{out.get('db_port')}")
            grid.add_row("Connection", self.connection_string(spec_data, out))
        grid.add_row("Monthly cost", self.stopped_cost(ledger) if ledger.get("status") == "stopped"
                     else self.cost(spec_data))
        self.query_one("#facts", Static).update(grid)

    def stopped_cost(self, ledger: Ledger) -> str:
        """A stopped stack bills its disks and address only: that, and what running costs (as x says)."""
        from hostwiz.services import operate

        running, idle = operate.power_costs(ledger)
        return f"${idle:.2f}/mo while stopped (${running:.2f}/mo running)"

    def public_ip(self, ledger: Ledger, out: dict[str, Any]) -> str | None:
        """The stack's address: from its outputs (a finished create), else from the ledger's Elastic IP
        or the one found among its resources (a failed or cancelled create: issue 15, finding 7)."""
        from hostwiz.ledger import CREATED

        eip = ledger.entry("eip")
        recorded = (eip.data or {}).get("public_ip") if eip is not None and eip.state == CREATED else None
        return out.get("public_ip") or recorded or self.address

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
        user = f"{scheme}://{db.get('username', 'hostwiz')}:{pw}@"
        where = f"{out['db_endpoint']}:{out.get('db_port')}/{db.get('db_name', 'app')}"
        # too long for the line (80 columns): the address on its own line, broken after the '@', and
        # the hint beside the password it is about
        room = (self.query_one("#facts").size.width or self.app.size.width) - FACT_LABEL_WIDTH
        if len(user) + len(where) > room:
            return f"{user}{hint}\n{where}"
        return f"{user}{where}{hint}"

    def on_resize(self) -> None:
        self.show_facts()

    def cost(self, spec_data: dict) -> str:
        from hostwiz import spec as specmod

        try:
            _, total, _ = breakdown(specmod.validate(spec_data))
        except specmod.SpecError:
            return NO_PRICE
        return total

    def action_power(self, which: str = "") -> None:
        """Stop a running stack (after a confirmation that shows both costs), or start a stopped one."""
        from hostwiz.services import operate

        from .dialogs import Confirm

        ledger = Ledger(self.app.session.state_dir, self.stack)
        stopping = ledger.get("status") != "stopped"
        running, idle = operate.power_costs(ledger)
        text = (f"Stop the instance and the database of {self.stack}?\nThe site is down until you start it.\n\n"
                f"While running  ${running:.2f}/month\nWhile stopped  ${idle:.2f}/month (disks and the address)"
                if stopping else f"Start {self.stack} again (the database, then the instance)?\n\n"
                                 f"While running  ${running:.2f}/month")

        def answered(yes: bool | None) -> None:
            if yes:
                self.notify(("Stopping " if stopping else "Starting ") + self.stack + "…")
                self.power(stopping)

        self.app.push_screen(Confirm("Stop stack" if stopping else "Start stack", text,
                                     yes="Stop" if stopping else "Start"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="power", name="stop/start")
    def power(self, stopping: bool) -> None:
        from hostwiz.services import operate

        result = (operate.stop if stopping else operate.start)(self.app.session, self.stack)
        self.post_message(Loaded("power", result))

    def resumable(self) -> bool:
        """A failed or stopped-midway create (not one going on in this app): Resume re-runs up."""
        from . import runs

        status = status_of(self.app.session.state_dir, self.stack)
        return status in self.RESUMABLE and next(runs.active(self.app, self.stack), None) is None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "resume":
            return self.resumable()
        if action in ("power", "deploy", "releases"):  # nothing of these while the stack is being made
            status = status_of(self.app.session.state_dir, self.stack)
            if status not in LIVE:
                return False
            if action == "power" and parameters:  # x says Stop, or Start on a stopped stack
                return parameters[0] == ("start" if status == "stopped" else "stop")
        return True

    def action_resume(self) -> None:
        if not self.resumable():
            return
        self.busy("checking its spec with AWS before resuming…")
        self.prepare_resume()

    @work(thread=True, exclusive=True, exit_on_error=False, group="resume", name="resume")
    def prepare_resume(self) -> None:
        from hostwiz import spec as specmod
        from hostwiz.services import stacks as operations

        spec = specmod.validate(Ledger(self.app.session.state_dir, self.stack).get("spec") or {})
        self.app.call_from_thread(self.resume, operations.prepare_up(self.app.session, spec))

    def resume(self, plan: Any) -> None:
        self.busy("")
        if not plan.ok:
            self.notify("Cannot resume: " + "; ".join(f"{f}: {m}" for f, m in plan.problems), severity="error")
            return
        from .progress import ProgressScreen

        self.app.switch_screen(ProgressScreen(plan.spec, ssh_cidr=plan.ssh_cidr))

    def action_edit(self) -> None:
        """The wizard on the stack's live values, ending in the plan of what would change."""
        self.busy("reading what it runs…")
        self.load_edit()

    def busy(self, doing: str) -> None:
        """A slow look-up going on, said in the screen's title while it lasts (a toast outlived the
        answer: issue 15, finding 6); "" when it is over."""
        self.query_one("#title", Static).update(f"[b]Stack {self.stack}[/]" + (f"  [dim]{doing}[/]" if doing else ""))

    @work(thread=True, exclusive=True, exit_on_error=False, group="edit", name="edit")
    def load_edit(self) -> None:
        from hostwiz.services import operate

        self.post_message(Loaded("edit", operate.live_values(self.app.session, self.stack)))

    def action_window(self) -> None:
        self.notify(f"Metrics over the last {self.query_one(WatchPanel).cycle_window()}")

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.show_facts()

    def action_ssh(self) -> None:
        from .ssh import SshScreen

        self.app.push_screen(SshScreen(self.stack))

    def action_logs(self) -> None:
        from .logs import LogsScreen

        self.app.push_screen(LogsScreen(self.stack))

    def action_deploy(self) -> None:
        from .deploy import DeployScreen

        self.app.push_screen(DeployScreen(self.stack))

    def action_releases(self) -> None:
        from .releases import ReleasesScreen

        self.app.push_screen(ReleasesScreen(self.stack))

    def action_settings(self) -> None:
        from .settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.stack))

    def action_teardown(self) -> None:
        from .teardown import TeardownScreen

        self.app.push_screen(TeardownScreen(self.stack))

    def palette(self):
        from textual.app import SystemCommand

        yield SystemCommand("Refresh stack", "List the stack's resources again", self.action_refresh)
        yield SystemCommand("Show/hide database password", "Reveal the password in the connection string",
                            self.action_reveal)
        yield SystemCommand("Edit stack", "Change its type, disk, SSH source, names or database: a plan first",
                            self.action_edit)
        yield SystemCommand("Deploy app", f"Ship a directory, git repository or image to {self.stack}",
                            self.action_deploy)
        yield SystemCommand("Releases", "The app's releases; roll back to one", self.action_releases)
        yield SystemCommand("App settings", "Set or remove the app's settings (secrets masked)", self.action_settings)
        yield SystemCommand("Tear down stack", f"Plan and delete {self.stack}", self.action_teardown)
        if self.resumable():
            yield SystemCommand("Resume stack", f"Carry on creating {self.stack} from what exists", self.action_resume)


def kind_label(kind: str) -> str:
    from hostwiz.services.lookups import kind_label as label

    return label(kind)
