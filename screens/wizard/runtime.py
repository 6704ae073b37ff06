"""Step 3: what runs on the instance, on which port, and TLS (only with a domain)."""

from __future__ import annotations

from textual.widgets import Input, Select, Checkbox

from ..widgets.check import Check

from .base import WizardStep, fieldbox

KINDS = [("Docker (docker compose up)", "docker"), ("Node.js", "nodejs"), ("Python", "python"), ("PHP", "php"),
         ("Ruby", "ruby"), ("Static files (nginx only)", "static")]


class RuntimeStep(WizardStep):
    STEP = 2
    FIELDS = ("runtime",)

    def fields(self):
        r = self.state.runtime
        yield fieldbox("Runtime", Select(KINDS, value=r["kind"], allow_blank=False, id="kind"), "runtime.kind",
                       "installed by the instance's user-data; nginx in front forwards ports 80/443 to the app")
        yield fieldbox("App port", Input(str(r["app_port"]), id="port", type="integer"), "runtime.app_port",
                       "the port your app listens on, behind nginx (not 22, 80 or 443)")
        tls_hint = "a free Let's Encrypt certificate via certbot" if self.state.zone else \
            "needs a domain: go Back to step 1 to choose one"
        yield fieldbox("HTTPS (TLS)", Check("Get a certificate for the domain", bool(r["tls"]) and self.state.zone is not None,
                                                id="tls", disabled=self.state.zone is None), "runtime.tls", tls_hint)

    def read(self) -> None:
        self.state.runtime.update(kind=str(self.query_one("#kind", Select).value),
                                  app_port=self.query_one("#port", Input).value,
                                  tls=self.query_one("#tls", Checkbox).value)
