"""Guided cleanup: filters, a tree of leftovers by VPC and kind with checkboxes, details with
dependencies and cost, a typed confirmation that shows the account, live per-item progress
and the final report. The work runs on thread workers (`provisioners.cleanup`); events come
back as messages. Textual only: no AWS library is imported here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, ProgressBar, Static, Tree
from textual.widgets.tree import TreeNode

from hostwiz import events as ev
from hostwiz.deletion_text import money

from .widgets.footer import Footer, OwnKeysFirst
from .messages import EngineEvent
from .workers import WorkerFailures

MARK = {True: "☑", False: "☐"}
STACK_TAG = "hostwiz:stack"
STATUS = {ev.STARTED: "… deleting", ev.PROGRESS: "… ", ev.DONE: "✔ deleted", ev.FAILED: "✘ "}


@dataclass
class PlanReady(Message):
    plan: Any
    account: str


@dataclass
class CleanupDone(Message):
    outcome: Any


class ConfirmCleanup(ModalScreen[bool]):
    """Type the account ID to delete; Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ConfirmCleanup { align: center middle; }
    ConfirmCleanup > Vertical { width: 72; height: auto; border: thick $error; padding: 1 2; background: $surface; }
    """

    def __init__(self, account: str, count: int, cost: str) -> None:
        super().__init__()
        self.account, self.count, self.cost = account, count, cost

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Delete {self.count} resource(s) ({self.cost}/month) in AWS account {self.account}?[/]")
            yield Label("This cannot be undone. Type the account ID to confirm:")
            yield Input(placeholder=self.account, id="account")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.account:
            self.dismiss(True)
        else:
            self.notify("That is not the account ID; nothing was deleted.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(False)


class CleanupScreen(OwnKeysFirst, WorkerFailures, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "find", "Find"),
        Binding("f6", "switch_pane", "Tree/filters"),  # one key between the filters and the tree, both ways
        Binding("x", "toggle", "(Un)select"),
        Binding("a", "toggle_all", "All/none"),
        Binding("d", "delete", "Delete selected"),
    ]
    DEFAULT_CSS = """
    CleanupScreen #filters { height: auto; }
    CleanupScreen #filters Input { width: 1fr; }
    CleanupScreen #main { height: 1fr; }
    CleanupScreen #tree { width: 3fr; border: round $primary; }
    CleanupScreen #details { width: 2fr; border: round $secondary; padding: 0 1; }
    CleanupScreen #status { height: auto; padding: 0 1; }
    CleanupScreen #progress { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.plan: Any = None
        self.account = ""
        self.selected: set[str] = set()
        self.live: set[str] = set()  # hostwiz stacks in the plan that are not failed: never pre-selected
        self.nodes: dict[str, TreeNode] = {}
        self.status: dict[str, str] = {}
        self.running = False
        self.last_filter = "prefix"  # where f6 goes back to from the tree
        self.report: list[str] = []  # the last deletion's report, kept above the details until a new find

    def compose(self) -> ComposeResult:
        with Horizontal(id="filters"):
            yield Input(placeholder="name prefix", id="prefix")
            yield Input(placeholder="tag K=V", id="tag")
            yield Input(placeholder="vpc-...", id="vpc")
            yield Input(placeholder="older than (7d)", id="age")
            yield Input(placeholder="regions (default: session's)", id="regions")
            find = Button("Find", id="find", variant="primary")
            find.can_focus = False  # Enter in a filter or f5 finds: Tab goes from the last filter to the tree
            yield find
        yield Static("Give a name prefix, tag or VPC and press Find. Nothing is deleted without your confirmation.",
                     id="status")
        yield ProgressBar(id="progress", show_eta=False)
        with Horizontal(id="main"):
            yield Tree("leftovers", id="tree")
            with VerticalScroll(id="details"):
                yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one("#tree", Tree)
        tree.show_root, tree.auto_expand = False, False
        self.query_one("#prefix", Input).focus()

    def action_switch_pane(self) -> None:
        """The tree from a filter; back to the filter last used from the tree."""
        tree = self.query_one("#tree", Tree)
        if self.focused is tree:
            self.query_one(f"#{self.last_filter}", Input).focus()
            return
        if isinstance(self.focused, Input) and self.focused.id:
            self.last_filter = self.focused.id
        tree.focus()

    # finding -------------------------------------------------------------------
    def filters(self) -> Any:
        from hostwiz.services.cleanup import Filters

        value = {i: self.query_one(f"#{i}", Input).value.strip() for i in ("prefix", "tag", "vpc", "age", "regions")}
        f = Filters.parse(value["prefix"], [t for t in value["tag"].split(",") if t.strip()], value["vpc"],
                          value["age"], [r.strip() for r in value["regions"].split(",") if r.strip()])
        if f.empty:
            raise ValueError("give a name prefix, a tag or a VPC: cleanup never takes everything")
        return f

    @on(Button.Pressed, "#find")
    @on(Input.Submitted)
    def action_find(self) -> None:
        if self.running:
            return
        try:
            f = self.filters()
        except ValueError as err:
            self.say(f"[red]{err}[/]")
            return
        if self.app.session is None:  # type: ignore[attr-defined]
            self.say("Still connecting to AWS; try again in a moment.")
            return
        self.say(f"Looking for leftovers ({f.describe()})...")
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.find(f)

    @work(thread=True, exclusive=True, exit_on_error=False, group="cleanup", name="find")
    def find(self, f: Any) -> None:
        from hostwiz.services import cleanup
        from hostwiz.services.session import identity, region

        session = self.app.session  # type: ignore[attr-defined]
        account = identity(session)["account"]
        f.regions = f.regions or [region(session)]
        plan = cleanup.plan(session, f, account, lambda e: self.post_message(EngineEvent(e)))
        self.post_message(PlanReady(plan, account))

    def worker_failed(self, name: str, error: str) -> None:
        if name == "find":
            self.query_one("#progress").display = False
            self.say(f"[red]Could not look for leftovers: {error}[/]")
        else:
            self.running = False
            self.say(f"[red]Cleanup stopped: {error}[/]")

    def on_plan_ready(self, message: PlanReady) -> None:
        self.query_one("#progress").display = False
        self.plan, self.account = message.plan, message.account
        self.report = []
        # A live hostwiz stack's resources are not in the plan at all: the selection's protections
        # (provisioners/cleanup/selection.py) put them under "never taken" with the stack's name and
        # `hostwiz down` (issue 15, finding 3). Should a plan ever carry a stack's resources, they
        # are marked and never pre-selected unless its ledger says it failed.
        self.live = {r.tags[STACK_TAG] for r in self.plan.resources
                     if r.tags.get(STACK_TAG) and r.tags[STACK_TAG] not in self.failed_stacks()}
        self.selected = {r.key for r in self.plan.resources if r.tags.get(STACK_TAG) not in self.live}
        self.status.clear()
        self.fill_tree()
        if self.plan.resources and isinstance(self.focused, Input):  # on to what was found (f6 goes back)
            self.action_switch_pane()
        sandbox = " (SANDBOX)" if getattr(self.app, "sandbox", False) else ""
        live = (f" Resources of live stacks ({', '.join(sorted(self.live))}) are marked and not selected."
                if self.live else "")
        never = len(getattr(self.plan, "excluded", []))
        if never:
            live += f" {never} more are never taken (live stacks, the default VPC, CloudFormation): see the tree."
        self.say(f"AWS account {self.account}{sandbox}: {len(self.plan.resources)} leftover(s).{live} "
                 "Enter or x (un)selects, d deletes the selection.")

    def failed_stacks(self) -> set[str]:
        """Stacks whose ledger says they failed (their resources are leftovers to offer)."""
        from hostwiz.services import stacks as operations

        session = getattr(self.app, "session", None)
        if session is None:
            return set()
        return {s.name for s in operations.list_stacks(session, discover=False)
                if s.status in ("failed", "rollback-incomplete", "delete-incomplete")}

    def fill_tree(self) -> None:
        tree = self.query_one("#tree", Tree)
        tree.clear()
        self.nodes.clear()
        names = {r.id: r.name for r in self.plan.resources}
        for where, kinds in self.plan.groups().items():
            region, vpc = where.split(" ", 1)
            label = f"{region}  {vpc}" + (f" ({names[vpc]})" if names.get(vpc, vpc) != vpc else "")
            group = tree.root.add(escape(label), expand=True)  # names are anyone's: '[/]' in one ended the app
            for kind_name, items in kinds.items():
                kind_node = group.add(escape(f"{kind_name} ({len(items)})"), expand=True)
                for r in items:
                    self.nodes[r.key] = kind_node.add_leaf(self.leaf_label(r), data=r)
        excluded = getattr(self.plan, "excluded", [])
        if excluded:  # reached by the filters but never selectable: live stacks, default VPC, CloudFormation
            never = tree.root.add(f"[dim]never taken ({len(excluded)})[/]", expand=False)
            for e in excluded:
                never.add_leaf(f"[dim]{escape(e.name if e.name and e.name != e.id else e.id)}: {escape(e.why)}[/]")
        self.refresh_totals()

    def leaf_label(self, r: Any) -> str:
        status = self.status.get(r.key, "")
        cfn = " [yellow]CFN[/]" if r.data.get("cloudformation") else ""
        name = r.name if r.name and r.name != r.id else r.id
        live = f" [b yellow]live stack {r.tags[STACK_TAG]}[/]" if r.tags.get(STACK_TAG) in self.live else ""
        return f"{MARK[r.key in self.selected]} {escape(name)}{cfn}{live}  {escape(status)}".rstrip()

    # selecting -----------------------------------------------------------------
    def targets(self) -> list[Any]:
        node = self.query_one("#tree", Tree).cursor_node
        if node is None:
            return []
        if node.data is not None:
            return [node.data]
        out, stack = [], [node]
        while stack:
            n = stack.pop()
            out += [n.data] if n.data is not None else []
            stack += list(n.children)
        return out

    def action_toggle(self) -> None:
        items = self.targets()
        if not items or self.running:
            return
        on_now = not all(r.key in self.selected for r in items)
        for r in items:
            (self.selected.add if on_now else self.selected.discard)(r.key)
        self.relabel(items)

    @on(Tree.NodeSelected)
    def node_selected(self) -> None:  # Enter or a click on a node (un)selects it and what is under it
        self.action_toggle()

    def action_toggle_all(self) -> None:
        if self.plan is None or self.running:
            return
        keys = {r.key for r in self.plan.resources}
        self.selected = set() if self.selected == keys else keys
        self.relabel(self.plan.resources)

    def relabel(self, items: list[Any]) -> None:
        for r in items:
            if r.key in self.nodes:
                self.nodes[r.key].set_label(self.leaf_label(r))
        self.refresh_totals()

    def refresh_totals(self) -> None:
        if self.plan is None:
            return
        chosen = [r for r in self.plan.resources if r.key in self.selected]
        self.query_one("#tree", Tree).border_title = (
            f"{len(chosen)} of {len(self.plan.resources)} selected · "
            f"{money(sum(r.monthly_cost for r in chosen), self.plan.costs_known)}/month")
        self.show_details()

    @on(Tree.NodeHighlighted)
    def show_details(self, event: Tree.NodeHighlighted | None = None) -> None:
        """The selection's summary, always (count, cost, by kind, what it waits on); under it the
        item under the cursor, when the cursor is on a single item (issue 15, finding 3)."""
        if self.plan is None:
            return
        node = event.node if event is not None else self.query_one("#tree", Tree).cursor_node
        lines = [*self.report, *([""] if self.report else []), *self.selection_summary()]
        r = node.data if node is not None else None
        if r is not None:
            waits = "\n".join(f"  • {escape(w)}" for w in r.waits_on) or "  nothing in the plan"
            lines += ["", f"[b]{r.kind}:[/b] {escape(r.name)}", f"ID: {escape(r.id)}", f"Region: {r.region}",
                      f"Why: {escape(r.reason)}", f"Monthly cost: {money(r.monthly_cost, self.plan.costs_known)}",
                      f"Deleted after:\n{waits}"]
            if r.data.get("cloudformation"):
                lines.append(f"[yellow]Owned by CloudFormation stack {r.data['cloudformation']}: "
                             "deleting the stack is usually better.[/]")
            if self.status.get(r.key):
                lines.append(f"Status: {escape(self.status[r.key])}")
        self.query_one("#detail", Static).update("\n".join(lines))

    def selection_summary(self) -> list[str]:
        from collections import Counter

        chosen = [r for r in self.plan.resources if r.key in self.selected]
        cost = money(sum(r.monthly_cost for r in chosen), self.plan.costs_known)
        lines = [f"[b]Selected: {len(chosen)} of {len(self.plan.resources)} · {cost}/month[/]"]
        for kind, n in sorted(Counter(r.kind for r in chosen).items()):
            lines.append(f"  {n} × {kind}")
        live = sorted({r.tags[STACK_TAG] for r in chosen if r.tags.get(STACK_TAG) in self.live})
        if live:
            lines.append(f"[b yellow]Includes live stack(s): {', '.join(live)}[/]")
        picked = {x.id for x in chosen} | {x.key for x in chosen}
        unpicked = {x.id for x in self.plan.resources} | {x.key for x in self.plan.resources}
        blocked = sorted({r.name or r.id for r in chosen for w in r.waits_on if w in unpicked - picked})
        if blocked:
            lines.append(f"[yellow]{len(blocked)} wait on items not selected (deleting them may be blocked): "
                         f"{', '.join(blocked[:4])}{' …' if len(blocked) > 4 else ''}[/]")
        if not chosen:
            lines.append("  Enter or x selects the item or group under the cursor; a selects all.")
        return lines

    # deleting ------------------------------------------------------------------
    def action_delete(self) -> None:
        if self.plan is None or self.running:
            return
        chosen = [r for r in self.plan.resources if r.key in self.selected]
        if not chosen:
            self.say("Nothing is selected.")
            return
        cost = money(sum(r.monthly_cost for r in chosen), self.plan.costs_known)

        def answered(yes: bool | None) -> None:
            if yes:
                self.running = True
                self.say(f"Deleting {len(chosen)} resource(s) in account {self.account}...")
                self.delete(chosen)
            else:
                self.say("Nothing was deleted.")

        self.app.push_screen(ConfirmCleanup(self.account, len(chosen), cost), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="cleanup", name="delete")
    def delete(self, chosen: list[Any]) -> None:
        from hostwiz.services import cleanup

        session = self.app.session  # type: ignore[attr-defined]
        plan = cleanup.CleanupPlan(self.plan.account, self.plan.regions, self.plan.filters, chosen)
        outcome = cleanup.execute(session, plan, lambda e: self.post_message(EngineEvent(e)))
        self.post_message(CleanupDone(outcome))

    def on_engine_event(self, message: EngineEvent) -> None:
        e = message.event
        if (e.step or "").startswith("discover:"):
            bar = self.query_one("#progress", ProgressBar)
            bar.update(total=e.data.get("total"), progress=e.data.get("done", 0))
            return
        if e.step in self.nodes and e.kind in STATUS:
            self.status[e.step] = (STATUS[e.kind] + (e.message if e.kind in (ev.PROGRESS, ev.FAILED) else ""))[:60]
            self.nodes[e.step].set_label(self.leaf_label(self.nodes[e.step].data))

    def on_cleanup_done(self, message: CleanupDone) -> None:
        self.running = False
        outcome = message.outcome
        report = [f"[b]Deleted {len(outcome.deleted)} resource(s).[/]"]
        if outcome.left:
            report.append(f"[red]{len(outcome.left)} left:[/]")
            for x in outcome.left:
                blockers = f" — blocked by {', '.join(x.blockers)}" if x.blockers else ""
                report.append(escape(f"  • {x.resource.kind} {x.resource.name or x.resource.id}: {x.error}{blockers}"))
            report.append("Resolve the blockers (or select them too) and run Find again.")
        self.report = report
        # the tree and its counts are what remains: what was deleted leaves them (the report names it)
        gone = {r.key for r in outcome.deleted}
        self.plan.resources = [r for r in self.plan.resources if r.key not in gone]
        self.selected -= gone
        self.fill_tree()
        self.say("Cleanup finished." if outcome.ok else "[red]Cleanup finished with resources left (see report).[/]")

    # misc ------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def action_back(self) -> None:
        if self.running:
            self.notify("Deletion is running; wait for the report.", severity="warning")
            return
        self.app.pop_screen()
