"""The wizard's answers, and their validation by the `hostwiz.spec` models (one step's fields at a time)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostwiz import spec as specmod

# Model-level errors name a section; each step shows them on the field they are about.
ALIASES = {"domain": "domain.name", "instance": "instance.ssh_cidr", "database": "database.storage_gb",
           "spec": "name"}
WIDE_SSH = "Allow SSH from the internet or a whole network"  # the checkbox of spec's allow_world_ssh
# what a spec file's error says to set, in the wizard's words
SPEC_WORDS = ("set allow_world_ssh = true", f"tick “{WIDE_SSH}” below")


@dataclass
class WizardState:
    region: str = "us-east-1"
    name: str = ""
    zone: str | None = None  # None: no domain
    domain: str = ""
    www: bool = False
    instance: dict[str, Any] = field(default_factory=lambda: {
        "type": "t3.micro", "os": "ubuntu-24.04", "volume_gb": "20", "ssh_cidr": "", "allow_world_ssh": False})
    runtime: dict[str, Any] = field(default_factory=lambda: {"kind": "docker", "app_port": "3000", "tls": False})
    engine: str | None = None  # None: no database
    database: dict[str, Any] = field(default_factory=lambda: {"instance_class": "db.t3.micro", "storage_gb": "20"})
    # a new database restored from this RDS snapshot ("": an empty one), with the snapshot's master user
    from_snapshot: str = ""
    snapshot_user: str = ""
    offered: set[str] | None = None  # instance types offered in `region`, once looked up
    offered_why: str = ""  # why `offered` is shorter than the region's list (AWS's free plan), or ""
    app: dict[str, Any] = field(default_factory=lambda: {"source": "", "start": "", "health": "/health"})
    app_problem: str = ""  # the App step's detection says the directory cannot be deployed as it is
    # Edit of a running stack: its name, the spec it runs with (the wizard's fields are laid over
    # it, so what the wizard does not ask -- the app, alarms, database names -- stays as it is) and
    # the SSH sources admitted now (an empty SSH field keeps them).
    editing: str | None = None
    base: dict[str, Any] = field(default_factory=dict)
    ssh_rules: list[str] = field(default_factory=list)

    @classmethod
    def from_live(cls, name: str, spec: dict[str, Any], ssh_cidrs: list[str]) -> "WizardState":
        """The wizard prefilled with a running stack's values (`services.operate.live_values`)."""
        inst, rt = spec.get("instance") or {}, spec.get("runtime") or {}
        dom, db = spec.get("domain"), spec.get("database")
        # One rule: the field shows it. Several (added with 'allow'): the field stays empty and keeps them all.
        cidr = ssh_cidrs[0] if len(ssh_cidrs) == 1 else ""
        state = cls(region=spec.get("region", "us-east-1"), name=name, editing=name, base=copy.deepcopy(spec),
                    ssh_rules=list(ssh_cidrs),
                    zone=(dom.get("hosted_zone") or "") if dom else None, domain=dom["name"] if dom else "",
                    www=bool(dom.get("www")) if dom else False,
                    instance={"type": inst.get("type", "t3.micro"), "os": inst.get("os", "ubuntu-24.04"),
                              "volume_gb": str(inst.get("volume_gb", 20)), "ssh_cidr": cidr,
                              "allow_world_ssh": bool(inst.get("allow_world_ssh"))},
                    runtime={"kind": rt.get("kind", "docker"), "app_port": str(rt.get("app_port", 3000)),
                             "tls": bool(rt.get("tls"))},
                    engine=db.get("engine") if db else None)
        if db:
            state.database = {"instance_class": db.get("instance_class", "db.t3.micro"),
                              "storage_gb": str(db.get("storage_gb", 20))}
        return state

    def data(self) -> dict[str, Any]:
        if self.editing:
            return self._edited()
        d: dict[str, Any] = {"name": self.name.strip(), "region": self.region,
                             "instance": {k: (v.strip() if isinstance(v, str) else v) for k, v in self.instance.items()},
                             "runtime": dict(self.runtime)}
        if not d["instance"]["ssh_cidr"]:
            d["instance"].pop("ssh_cidr")
        if self.zone is not None:
            d["domain"] = {"name": self.domain.strip(), "hosted_zone": self.zone, "www": self.www}
        if self.engine is not None:
            d["database"] = {"engine": self.engine, **self.database}
            if self.from_snapshot:
                d["database"]["from_snapshot"] = self.from_snapshot
                if self.snapshot_user:
                    d["database"]["username"] = self.snapshot_user
        if self.app["source"].strip():
            source = str(Path(self.app["source"].strip()).expanduser().resolve())
            d["app"] = {"source": source, "health": self.app["health"] or "/health"}
            if self.app["start"].strip():
                d["app"]["start"] = self.app["start"].strip()
        return d

    def _edited(self) -> dict[str, Any]:
        """The running stack's spec with the wizard's fields laid over it."""
        d = copy.deepcopy(self.base)
        d.update(name=self.editing, region=self.region)
        inst = {k: (v.strip() if isinstance(v, str) else v) for k, v in self.instance.items()}
        d["instance"] = {**d.get("instance", {}), **inst}
        if not inst["ssh_cidr"]:
            d["instance"].pop("ssh_cidr")  # keep the rules the stack has
        d["runtime"] = {**d.get("runtime", {}), **self.runtime}
        if self.zone is None:
            d.pop("domain", None)
        else:
            d["domain"] = {**(d.get("domain") or {}), "name": self.domain.strip(), "hosted_zone": self.zone,
                           "www": self.www}
        if self.engine is None:
            d.pop("database", None)
        else:
            d["database"] = {**(d.get("database") or {}), "engine": self.engine, **self.database}
        return d

    def problems(self, fields: tuple[str, ...] = ()) -> dict[str, str]:
        """Problems of the fields under `fields` (all when empty), by field path."""
        found: dict[str, str] = {}
        try:
            specmod.validate(self.data())
        except specmod.SpecError as err:
            for name, message in err.problems:
                name = ALIASES.get(name, name)
                found.setdefault(name, message.replace(*SPEC_WORDS))
        itype = str(self.instance["type"]).strip().lower()
        if self.offered is not None and "instance.type" not in found and itype not in self.offered:
            found["instance.type"] = (f"{itype} cannot launch on this account ({self.offered_why}); pick one below"
                                      if self.offered_why else
                                      f"{itype} is not offered in {self.region}; pick one from the list below")
        if not self.instance["ssh_cidr"].strip() and "instance.ssh_cidr" not in found and not self.editing:
            found["instance.ssh_cidr"] = "is empty; write the address you connect from, like 203.0.113.7/32"
        if not fields:
            return found
        return {k: v for k, v in found.items() if any(k == f or k.startswith(f + ".") for f in fields)}

    def spec(self) -> specmod.StackSpec:
        return specmod.validate(self.data())
