"""Step 4: a managed database (RDS) or none: engine, class with its price, storage, and what it
starts from: empty, or one of the account's RDS snapshots of hostwiz stacks in the region (this
stack's, other stacks', the final snapshots of torn-down ones), looked up in a worker."""

from __future__ import annotations

from textual import work
from textual.widgets import Input, Select, Static

from ..messages import Loaded
from ..pricing import db_monthly, money
from .base import WizardStep, fieldbox

NONE = "none"
ENGINES = [("No database", NONE), ("PostgreSQL", "postgres"), ("MySQL", "mysql"), ("MariaDB", "mariadb")]
EMPTY = "-"  # start from an empty database
CLASSES = ["db.t4g.micro", "db.t3.micro", "db.t4g.small", "db.t3.small", "db.t4g.medium", "db.t3.medium",
           "db.m7g.large", "db.m5.large"]


class DatabaseStep(WizardStep):
    STEP = 3
    FIELDS = ("database",)

    def fields(self):
        d = self.state.database
        yield fieldbox("Database", Select(ENGINES, value=self.state.engine or NONE, allow_blank=False, id="engine"),
                       "database.engine", "RDS in the default VPC, reachable only from the instance; "
                       "the password is generated and kept in your keyring and SSM")
        yield fieldbox("Instance class", Select(self.class_options(), value=d["instance_class"], allow_blank=False,
                                                id="class"), "database.instance_class")
        yield fieldbox("Storage (GB)", Input(str(d["storage_gb"]), id="storage", type="integer"),
                       "database.storage_gb", "gp3, encrypted; 20 GB or more")
        if not self.state.editing:  # a running stack's database restores with 'hostwiz restore', not here
            yield fieldbox("Start from", Select(self.snapshot_options([]), value=EMPTY, allow_blank=False,
                                                id="from-snapshot"), "database.from_snapshot",
                           "looking up the account's snapshots…")

    snaps: dict[str, object] = {}  # snapshot id -> `SnapshotInfo`, once looked up

    def snapshot_options(self, snaps: list) -> list[tuple[str, str]]:
        name = self.state.name.strip()
        # this stack's own first (an earlier stack of the same name), then final snapshots, then the rest
        order = sorted(snaps, key=lambda x: (x.stack != name, not x.final, x.created), reverse=False)
        return [("An empty database", EMPTY)] + [
            (f"{x.id}  {x.engine or '?'} {x.size_gb} GB  {x.created[:10]}  "
             + ("final snapshot of " if x.final else "of ") + x.stack, x.id) for x in order]

    @work(thread=True, exclusive=True, exit_on_error=False, group="snapshots", name="snapshots")
    def load_snapshots(self, region: str) -> None:
        from hostwiz.services.operate import snapshots

        found = [x for x in snapshots(self.app.session, region=region).items
                 if x.kind == "database" and x.state in ("available", "")]
        self.post_message(Loaded("snapshots", found, key=region))

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "snapshots" or message.key != self.state.region:
            return
        self.app.lookups[("snapshots", message.key)] = message.value
        self.show_snapshots(message.value)

    def show_snapshots(self, found: list) -> None:
        self.busy.discard("snapshots")
        self.snaps = {x.id: x for x in found}
        select = self.query_one("#from-snapshot", Select)
        with self.prevent(Select.Changed):
            select.set_options(self.snapshot_options(found))
            select.value = self.state.from_snapshot if self.state.from_snapshot in self.snaps else EMPTY
        self.query_one("#err-database-from-snapshot-hint", Static).update(
            f"{len(found)} snapshot(s) of hostwiz stacks in {self.state.region}, final ones of torn-down stacks "
            "included; the new database starts with the chosen one's rows" if found else
            f"no snapshots of hostwiz stacks in {self.state.region} ('hostwiz snapshot NAME' takes one)")
        self.sync_enabled()
        self.revalidate()

    def worker_failed(self, name: str, error: str) -> None:
        if name == "snapshots":
            self.busy.discard("snapshots")
            self.query_one("#err-database-from-snapshot-hint", Static).update(
                f"[red]could not list snapshots: {error}[/]; an empty database still works")
            self.revalidate()
        else:
            super().worker_failed(name, error)

    def class_options(self) -> list[tuple[str, str]]:
        engine = self.state.engine or "postgres"
        storage = int(self.state.database["storage_gb"]) if str(self.state.database["storage_gb"]).isdigit() else 20
        return [(f"{c:<15} {money(db_monthly(self.state.region, c, engine, storage))}", c) for c in CLASSES]

    def on_mount(self) -> None:
        super().on_mount()
        self.sync_enabled()
        if not self.state.editing:
            cached = self.cached(("snapshots", self.state.region))
            if cached is not None:
                self.show_snapshots(cached)
            else:
                self.busy.add("snapshots")
                self.load_snapshots(self.state.region)

    def read(self) -> None:
        engine = str(self.query_one("#engine", Select).value)
        self.state.engine = None if engine == NONE else engine
        self.state.database.update(instance_class=str(self.query_one("#class", Select).value),
                                   storage_gb=self.query_one("#storage", Input).value)
        if not self.state.editing:
            chosen = self.query_one("#from-snapshot", Select).value
            snap = self.snaps.get(str(chosen)) if chosen not in (EMPTY, Select.NULL) else None
            self.state.from_snapshot = snap.id if snap else ""
            self.state.snapshot_user = getattr(snap, "username", "") if snap else ""

    def changed(self, widget) -> None:
        if widget.id == "from-snapshot" and self.state.from_snapshot:
            self.follow_snapshot(self.snaps[self.state.from_snapshot])
        self.sync_enabled()
        if widget.id in ("engine", "storage", "from-snapshot"):
            select = self.query_one("#class", Select)
            value = select.value
            with self.prevent(Select.Changed):
                select.set_options(self.class_options())
                select.value = value

    def follow_snapshot(self, snap) -> None:
        """A database from a snapshot has its engine and at least its size."""
        if snap.engine and snap.engine != self.state.engine:
            with self.prevent(Select.Changed):
                self.query_one("#engine", Select).value = snap.engine
        storage = self.query_one("#storage", Input)
        if not storage.value.isdigit() or int(storage.value) < snap.size_gb:
            with self.prevent(Input.Changed):
                storage.value = str(max(snap.size_gb, 20))
        self.read()

    def sync_enabled(self) -> None:
        off = self.state.engine is None
        for ident in ("#class", "#storage"):  # "Start from" stays open: a snapshot brings its engine
            self.query_one(ident).disabled = off
