"""Step 1: the stack's name, and a domain from a Route53 hosted zone (or none)."""

from __future__ import annotations

from textual import on, work
from textual.containers import Horizontal
from textual.widgets import Button, Input, LoadingIndicator, Select, Static, Checkbox

from ..widgets.check import Check

from ..messages import Loaded
from .base import WizardStep, fieldbox

NO_DOMAIN = "-"


class DomainStep(WizardStep):
    STEP = 0
    FIELDS = ("name", "domain")

    def fields(self):
        s = self.state
        yield fieldbox("Stack name", Input(s.name, placeholder="e.g. blog", id="name"), "name",
                       "3-32 lowercase letters, digits and hyphens, starting with a letter; it names every resource")
        zone = Select([("No domain (use the Elastic IP address)", NO_DOMAIN)], value=NO_DOMAIN, allow_blank=False,
                      id="zone")
        yield fieldbox("Hosted zone (Route53)", zone, "domain.hosted_zone", "looking up your hosted zones...")
        yield Horizontal(LoadingIndicator(id="zones-loading"), Button("Retry", id="zones-retry"), id="zones-state")
        yield fieldbox("Domain name", Input(s.domain, placeholder="e.g. app.example.com", id="domain"), "domain.name",
                       "the name the app answers on; it must be inside the hosted zone")
        yield fieldbox("", Check("Also point www.<name> at the instance", s.www, id="www"), "domain.www")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#zones-retry").display = False
        if self.state.editing:  # a running stack keeps its name (every resource carries it)
            self.query_one("#name", Input).disabled = True
        self.sync_enabled()
        zones = self.cached(("zones",))
        if zones is None:
            self.load_zones()
        else:
            self.show_zones(zones)

    def load_zones(self) -> None:
        self._loading(True)
        self.fetch_zones()

    @work(thread=True, exclusive=True, exit_on_error=False, group="zones", name="zones")
    def fetch_zones(self) -> None:
        from hostwiz.services.lookups import public_zones

        self.post_message(Loaded("zones", public_zones(self.app.session)))

    def on_loaded(self, message: Loaded) -> None:
        self.app.lookups[("zones",)] = message.value
        self.show_zones(message.value)

    def worker_failed(self, name: str, error: str) -> None:
        self.zones_failed(error)

    def _loading(self, on: bool) -> None:
        (self.busy.add if on else self.busy.discard)("zones")
        self.query_one("#zones-loading").display = on
        self.query_one("#zones-retry").display = False
        self.query_one("#zone", Select).disabled = on

    def zones_failed(self, error: str) -> None:
        self._loading(False)
        self.query_one("#err-domain-hosted-zone-hint", Static).update(
            f"[red]could not list hosted zones: {error}[/]; press Retry, or go on without a domain")
        self.query_one("#zones-retry").display = True
        self.revalidate()

    def show_zones(self, zones: list[str]) -> None:
        self._loading(False)
        select = self.query_one("#zone", Select)
        select.set_options([("No domain (use the Elastic IP address)", NO_DOMAIN)] + [(z, z) for z in zones])
        select.value = self.state.zone if self.state.zone in zones else NO_DOMAIN
        self.query_one("#err-domain-hosted-zone-hint", Static).update(
            f"{len(zones)} public hosted zone(s) in this account; Enter opens the list" if zones else
            "no public hosted zones in this account: create one in Route53 to use a domain")
        self.sync_enabled()
        self.revalidate()

    @on(Button.Pressed, "#zones-retry")
    def retry(self) -> None:
        self.load_zones()

    def read(self) -> None:
        s = self.state
        s.name = self.query_one("#name", Input).value
        zone = self.query_one("#zone", Select).value
        s.zone = None if zone in (NO_DOMAIN, Select.NULL) or "zones" in self.busy else str(zone)
        s.domain = self.query_one("#domain", Input).value
        s.www = self.query_one("#www", Checkbox).value
        if s.zone is None and "zones" not in self.busy:  # not while the zones load (Edit keeps TLS)
            s.runtime["tls"] = False

    def changed(self, widget) -> None:
        if widget.id == "zone":
            self.sync_enabled()
            domain = self.query_one("#domain", Input)
            if self.state.zone and not domain.value:
                domain.value = f"{self.state.name or 'app'}.{self.state.zone}"

    def sync_enabled(self) -> None:
        off = self.state.zone is None
        self.query_one("#domain", Input).disabled = off
        self.query_one("#www", Checkbox).disabled = off
