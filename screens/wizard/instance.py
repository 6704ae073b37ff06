"""Step 2: region, instance type (offered there, with vCPU, memory, price), OS, disk, SSH source."""

from __future__ import annotations

from textual import on, work
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, DataTable, Input, LoadingIndicator, Select, Static

from ..messages import Loaded
from ..pricing import instance_monthly, money
from ..widgets.check import Check
from .base import WizardStep, fieldbox
from .state import WIDE_SSH

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
           "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
           "ap-northeast-1", "sa-east-1"]
OS_CHOICES = [("Ubuntu 24.04 LTS", "ubuntu-24.04"), ("Ubuntu 22.04 LTS", "ubuntu-22.04"),
              ("Amazon Linux 2023", "amazon-linux-2023")]
SHOWN_TYPES = 8


class InstanceStep(WizardStep):
    STEP = 1
    FIELDS = ("region", "instance")

    def fields(self):
        s = self.state
        regions = REGIONS if s.region in REGIONS else [s.region] + REGIONS
        yield fieldbox("Region", Select([(r, r) for r in regions], value=s.region, allow_blank=False, id="region"),
                       "region")
        yield fieldbox("Instance type", Input(s.instance["type"], placeholder="t3.micro", id="type"), "instance.type",
                       "type a name or pick one below (Tab to the list, Enter to choose)")
        yield Horizontal(LoadingIndicator(id="types-loading"), Button("Retry", id="types-retry"), id="types-state")
        yield DataTable(id="types", cursor_type="row")
        yield fieldbox("Operating system", Select(OS_CHOICES, value=s.instance["os"], allow_blank=False, id="os"),
                       "instance.os")
        yield fieldbox("Disk size (GB)", Input(str(s.instance["volume_gb"]), id="volume", type="integer"),
                       "instance.volume_gb", "8-16384 GB of gp3, encrypted")
        yield fieldbox("SSH allowed from (CIDR)", Input(s.instance["ssh_cidr"], placeholder="203.0.113.7/32",
                                                        id="ssh-cidr"),
                       "instance.ssh_cidr", "your address as /32; port 22 opens to this range only")
        yield fieldbox("", Check(WIDE_SSH, s.instance["allow_world_ssh"], id="allow-world"), "instance.allow_world_ssh",
                       "not recommended: everyone in the range can try to log in")

    offered: list[str] = []
    offered_region: str | None = None

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#types", DataTable)
        table.add_columns("type", "vCPU", "memory", "price")
        self.query_one("#types-retry").display = False
        self.load_types(self.state.region)
        if self.state.editing:  # a running stack stays in its region; an empty SSH field keeps its rules
            self.query_one("#region", Select).disabled = True
            if not self.state.instance["ssh_cidr"]:
                self.query_one("#err-instance-ssh-cidr-hint", Static).update(
                    "empty: keep the rules it has (" + (", ".join(self.state.ssh_rules) or "none") + ")")
        elif not self.state.instance["ssh_cidr"]:
            self.detect_cidr()

    # lookups ---------------------------------------------------------------------------
    def load_types(self, region: str) -> None:
        cached = self.cached(("types", region))
        if cached is not None:
            self.show_types(region, *cached)
        else:
            self.fetch_types(region)

    def fetch_types(self, region: str) -> None:
        self._loading(True)
        self.types_worker(region)

    @work(thread=True, exclusive=True, exit_on_error=False, group="types", name="types")
    def types_worker(self, region: str) -> None:
        from hostwiz.services.lookups import launchable_types

        self.post_message(Loaded("types", launchable_types(self.app.session, region), key=region))

    @work(thread=True, exclusive=True, exit_on_error=False, group="facts", name="facts")
    def fetch_facts(self, region: str, family: str, names: list[str]) -> None:
        from hostwiz.services.lookups import instance_types

        try:
            facts = instance_types(self.app.session, region, names)
        except Exception:  # noqa: BLE001 (not a failure: the table shows names only; the type can still be typed)
            facts = {}
        self.post_message(Loaded("facts", facts, key=(region, family)))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "types":
            self.app.lookups[("types", message.key)] = message.value
            self.show_types(message.key, *message.value)
        elif message.what == "facts":
            self.app.lookups[("facts", *message.key)] = message.value
            self.fill_table()
        elif message.what == "cidr":
            self.set_cidr(*message.value)

    def worker_failed(self, name: str, error: str) -> None:
        if name == "types":
            self.types_failed(self.state.region, error)
        else:
            super().worker_failed(name, error)

    def _loading(self, on: bool) -> None:
        (self.busy.add if on else self.busy.discard)("types")
        self.query_one("#types-loading").display = on
        self.query_one("#types-retry").display = False
        if on:
            self.query_one("#err-instance-type-hint", Static).update(
                f"looking up the instance types offered in {self.state.region}...")

    def types_failed(self, region: str, error: str) -> None:
        self._loading(False)
        self.state.offered = None
        self.query_one("#err-instance-type-hint", Static).update(
            f"[red]could not list the instance types of {region}: {error}[/]; press Retry, or go on: "
            "the review checks the type with AWS before anything is created")
        self.query_one("#types-retry").display = True
        self.revalidate()  # not a dead end: Next stays open, the review's preflight decides

    @on(Button.Pressed, "#types-retry")
    def retry(self) -> None:
        self.fetch_types(self.state.region)

    def show_types(self, region: str, offered: list[str], why: str = "") -> None:
        """`why`: why the list is shorter than the region's (AWS's free plan), said under the field."""
        if region != self.state.region:
            return
        self._loading(False)
        self.offered, self.offered_region = offered, region
        self.state.offered, self.state.offered_why = set(offered), why
        self.query_one("#err-instance-type-hint", Static).update(
            f"{len(offered)} types launch here; {why}" if why else
            f"{len(offered)} types offered in {region}; type a name or pick one below")
        self.query_one("#type", Input).suggester = SuggestFromList(offered, case_sensitive=False)
        self.fill_table()
        self.revalidate()

    def fill_table(self) -> None:
        region = self.state.region
        text = self.query_one("#type", Input).value.strip().lower()
        family = text.split(".")[0] or "t3"
        names = [n for n in self.offered if n.startswith(family)][:100]
        if not names:
            family, names = "t3", [n for n in self.offered if n.startswith("t3")][:100]
        facts = self.cached(("facts", region, family))
        if facts is None and names:
            self.fetch_facts(region, family, names)
        table = self.query_one("#types", DataTable)
        table.clear(columns=True)  # columns too: kept ones keep the widths of the rows they had
        table.add_columns("type", "vCPU", "memory", "price")
        if facts:
            rows = sorted((f for f in facts.values()), key=lambda f: (f.vcpus, f.memory_gib, f.name))
            for f in rows[:SHOWN_TYPES]:
                table.add_row(f.name, str(f.vcpus), f"{f.memory_gib:g} GiB",
                              money(instance_monthly(region, f.name)), key=f.name)
        else:
            for n in names[:SHOWN_TYPES]:
                table.add_row(n, "…", "…", money(instance_monthly(region, n)), key=n)
        if text in table.rows:
            table.move_cursor(row=table.get_row_index(text))

    @work(thread=True, exclusive=True, exit_on_error=False, group="cidr", name="cidr")
    def detect_cidr(self) -> None:
        from hostwiz.services.stacks import operator_address

        found = operator_address(self.app.session)
        self.post_message(Loaded("cidr", (found.cidr, found.how if found.cidr else f"{found.how}; type it")))

    def set_cidr(self, cidr: str, how: str) -> None:
        box = self.query_one("#ssh-cidr", Input)
        if cidr and not box.value:
            box.value = cidr
        self.query_one("#err-instance-ssh-cidr-hint", Static).update(f"{how}; port 22 opens to this range only")

    # fields ------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#types")
    def pick(self, event: DataTable.RowSelected) -> None:
        self.query_one("#type", Input).value = str(event.row_key.value)
        self.query_one("#os", Select).focus()

    def read(self) -> None:
        s = self.state
        s.region = str(self.query_one("#region", Select).value)
        s.instance.update(type=self.query_one("#type", Input).value, os=str(self.query_one("#os", Select).value),
                          volume_gb=self.query_one("#volume", Input).value,
                          ssh_cidr=self.query_one("#ssh-cidr", Input).value,
                          allow_world_ssh=self.query_one("#allow-world", Checkbox).value)

    def changed(self, widget) -> None:
        if widget.id == "region" and self.state.region != self.offered_region:
            self.state.offered = None
            self.offered, self.offered_region = [], None
            self.load_types(self.state.region)
        elif widget.id == "type":
            self.fill_table()
