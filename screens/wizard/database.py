"""Step 4: a managed database (RDS) or none: engine, class with its price, storage."""

from __future__ import annotations

from textual.widgets import Input, Select

from ..pricing import db_monthly, money
from .base import WizardStep, fieldbox

NONE = "none"
ENGINES = [("No database", NONE), ("PostgreSQL", "postgres"), ("MySQL", "mysql"), ("MariaDB", "mariadb")]
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

    def class_options(self) -> list[tuple[str, str]]:
        engine = self.state.engine or "postgres"
        storage = int(self.state.database["storage_gb"]) if str(self.state.database["storage_gb"]).isdigit() else 20
        return [(f"{c:<15} {money(db_monthly(self.state.region, c, engine, storage))}", c) for c in CLASSES]

    def on_mount(self) -> None:
        super().on_mount()
        self.sync_enabled()

    def read(self) -> None:
        engine = str(self.query_one("#engine", Select).value)
        self.state.engine = None if engine == NONE else engine
        self.state.database.update(instance_class=str(self.query_one("#class", Select).value),
                                   storage_gb=self.query_one("#storage", Input).value)

    def changed(self, widget) -> None:
        self.sync_enabled()
        if widget.id in ("engine", "storage"):
            select = self.query_one("#class", Select)
            value = select.value
            with self.prevent(Select.Changed):
                select.set_options(self.class_options())
                select.value = value

    def sync_enabled(self) -> None:
        off = self.state.engine is None
        for ident in ("#class", "#storage"):
            self.query_one(ident).disabled = off
