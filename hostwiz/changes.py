"""What `hostwiz up SPEC` would change on a stack that already runs: the difference between the
spec and what runs, as a plan of changes (plain data, no AWS).

`diff(live, spec)` compares the edited spec with `Live` (what AWS says runs now, read by
`provisioners.operate.live`) and gives a `ChangePlan`:
- each `Change` says how it is made: in place (`in-place`), with the instance stopped for a
  minute or two (`needs-stop`), or only by replacing the instance or the database (`replace`,
  with what that loses) -- and the AWS operations it will call, in order (the `--json` plan is
  checked against the calls actually made);
- `problems` are field-level refusals, (field, message) like the spec's own validation, found
  before anything changes: a shrink, a storage change inside RDS's 6-hour cooldown, a stack
  that is not ready, a replacement nobody asked for.

Changes left half-made by a crash (the ledger's pending intents) are folded in: an instance
stopped for a resize that never restarted is started again, so a re-run converges.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from hostwiz.spec import StackSpec

IN_PLACE, NEEDS_STOP, REPLACE = "in-place", "needs-stop", "replace"
STORAGE_COOLDOWN = timedelta(hours=6)  # RDS refuses another storage change for 6 h after one


@dataclass
class LiveDb:
    identifier: str
    engine: str
    instance_class: str
    storage_gb: int
    status: str
    db_name: str = ""
    username: str = ""


@dataclass
class Live:
    """What runs now, as AWS reports it (and the ledger, for what AWS cannot say)."""

    name: str
    region: str
    status: str  # the ledger's: ready, stopped, creating, deploying...
    instance_id: str | None
    instance_type: str
    instance_state: str  # running, stopped, ...
    os: str
    volume_id: str | None
    volume_gb: int
    app_sg: str | None
    ssh_cidrs: list[str]
    dns_names: list[str]
    tls: bool
    runtime: dict[str, Any]
    db: LiveDb | None = None
    storage_changed_at: str | None = None  # the last storage change hostwiz made (ledger)
    pending: list[dict[str, Any]] = field(default_factory=list)  # the ledger's unfinished changes


@dataclass
class Change:
    key: str  # instance.type, instance.volume_gb, instance.ssh_cidr, domain, database.instance_class...
    label: str
    before: Any
    after: Any
    how: str  # IN_PLACE | NEEDS_STOP | REPLACE
    detail: str
    calls: list[str] = field(default_factory=list)  # AWS operations, in order
    loses: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # what apply needs (ids, rules...)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChangePlan:
    name: str
    changes: list[Change] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    cost_before: float = 0.0
    cost_after: float = 0.0
    apply_now: bool = True
    replace: bool = False  # replacements were asked for (--replace)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def calls(self) -> list[str]:
        return [c for ch in self.changes for c in ch.calls]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "plan", "name": self.name, "ok": self.ok, "apply_now": self.apply_now,
                "changes": [c.as_dict() for c in self.changes],
                "problems": [{"field": f, "message": m} for f, m in self.problems],
                "cost": {"before": round(self.cost_before, 2), "after": round(self.cost_after, 2)},
                "calls": self.calls}


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def diff(live: Live, spec: StackSpec, *, replace: bool = False, apply_now: bool = True,
         now: datetime | None = None) -> ChangePlan:
    plan = ChangePlan(spec.name, apply_now=apply_now, replace=replace)
    add, problem = plan.changes.append, plan.problems.append
    if spec.region != live.region:
        problem(("region", f"the stack runs in {live.region}; a stack cannot move region. Snapshot it "
                           f"('hostwiz snapshot {live.name}') and make a new stack from the snapshot there"))
    if live.status not in ("ready", "stopped", "adopted"):
        problem(("name", f"stack {live.name} is {live.status}; wait for that to finish (or run 'hostwiz up' "
                         "with the spec it was made from to resume it) before changing it"))
    # An earlier change that stopped the instance and crashed before starting it again.
    restart = [p for p in live.pending if p.get("key") == "instance.type" and p.get("data", {}).get("was_running")]
    inst = spec.instance
    stopped_by_operator = live.status == "stopped"

    # Instance ---------------------------------------------------------------------------------
    if inst.os.value != live.os:
        add(Change("instance.os", "operating system", live.os, inst.os.value, REPLACE,
                   "snapshot the root volume (kept), terminate the instance, make a new one from the new image "
                   "with the stack's key, security group and setup; the Elastic IP and DNS names move to it",
                   ["CreateSnapshot", "DisassociateAddress", "TerminateInstances", "RunInstances", "AssociateAddress"],
                   loses="everything on the root volume that is not in the app's source or the database "
                         "(uploads, local files, logs: they stay in the snapshot), and the instance's SSH host keys",
                   data={"instance_id": live.instance_id, "volume_id": live.volume_id}))
        if not replace:
            problem(("instance.os", "changing the operating system replaces the instance; add --replace to ask "
                                    "for it (and read what it loses)"))
    if inst.type != live.instance_type:
        if live.instance_state in ("stopped",):
            calls = ["ModifyInstanceAttribute"] + ([] if stopped_by_operator else ["StartInstances"])
            how = IN_PLACE if stopped_by_operator else NEEDS_STOP
        else:
            calls, how = ["StopInstances", "ModifyInstanceAttribute", "StartInstances"], NEEDS_STOP
        add(Change("instance.type", "instance type", live.instance_type, inst.type, how,
                   "stop the instance, change its type, start it (the Elastic IP, disk and host keys stay; "
                   "the site is down for a minute or two)" if how == NEEDS_STOP else
                   "change the type of the stopped instance (it stays stopped)",
                   calls, loses="what is in the instance's memory (running processes restart)" if how == NEEDS_STOP else "",
                   data={"instance_id": live.instance_id,
                         "was_running": live.instance_state != "stopped" or bool(restart)}))
    elif restart and live.instance_state == "stopped" and not stopped_by_operator:
        add(Change("instance.restart", "instance", "stopped", "running", IN_PLACE,
                   "start the instance an interrupted resize left stopped", ["StartInstances"],
                   data={"instance_id": live.instance_id}))
    if inst.volume_gb < live.volume_gb:
        problem(("instance.volume_gb", f"{inst.volume_gb} GB is smaller than the {live.volume_gb} GB the disk has; "
                                       "EBS volumes cannot shrink. Keep it, or move the data to a new stack"))
    elif inst.volume_gb > live.volume_gb:
        add(Change("instance.volume_gb", "disk size", live.volume_gb, inst.volume_gb, IN_PLACE,
                   "grow the EBS volume online, then the root filesystem over the stack's SSH (growpart, then "
                   "resize2fs or xfs_growfs); without SSH from here it grows at the next boot (cloud-init). "
                   "A volume can be changed once every 6 hours", ["ModifyVolume"],
                   data={"volume_id": live.volume_id}))
    if inst.ssh_cidr and live.ssh_cidrs != [inst.ssh_cidr]:
        old = [c for c in live.ssh_cidrs if c != inst.ssh_cidr]
        calls = ([] if inst.ssh_cidr in live.ssh_cidrs else ["AuthorizeSecurityGroupIngress"]) + \
            (["RevokeSecurityGroupIngress"] if old else [])
        add(Change("instance.ssh_cidr", "SSH allowed from", ", ".join(live.ssh_cidrs) or "nobody", inst.ssh_cidr,
                   IN_PLACE, "replace the SSH rule of the stack's security group", calls,
                   loses=f"SSH from {', '.join(old)}" if old else "",
                   data={"group_id": live.app_sg, "add": inst.ssh_cidr, "remove": old}))

    # Runtime ----------------------------------------------------------------------------------
    if spec.runtime.tls != live.tls:
        problem(("runtime.tls", "turning TLS on or off on a running stack is not supported by this version; "
                                "keep the stack's setting (it is applied when the instance is made)"))
    runtime = {k: v for k, v in spec.runtime.model_dump(mode="json").items() if k != "tls"}
    if live.runtime and runtime != {k: v for k, v in live.runtime.items() if k != "tls"}:
        problem(("runtime", "the runtime and app port are set up on the instance when it is made; a change "
                            "is a redeploy, which 'up' does not do"))

    # DNS --------------------------------------------------------------------------------------
    names = spec.domain.record_names if spec.domain else []
    if sorted(names) != sorted(live.dns_names):
        added = [n for n in names if n not in live.dns_names]
        removed = [n for n in live.dns_names if n not in names]
        cert = (" The TLS certificate still names the old set: new names answer HTTPS with a name mismatch "
                f"until it is issued again (hostwiz ssh {live.name} -- sudo certbot --nginx "
                f"{' '.join('-d ' + n for n in names)})") if live.tls and added else ""
        add(Change("domain", "DNS names", live.dns_names, names, IN_PLACE,
                   "point the new names at the stack's Elastic IP and delete the names no longer wanted." + cert,
                   # CreateTags: the Elastic IP names the stack's records (adopt reads them by name)
                   ["CreateTags"] * bool(added) + ["ChangeResourceRecordSets"] * (bool(added) + bool(removed))
                   + ["CreateTags"] * bool(removed),
                   loses=("visitors of " + ", ".join(removed) + " stop reaching the site") if removed else "",
                   data={"add": added, "remove": removed,
                         "hosted_zone": spec.domain.hosted_zone if spec.domain else None}))

    # Database ---------------------------------------------------------------------------------
    db, ldb = spec.database, live.db
    if db and not ldb:
        problem(("database", "adding a database to a running stack is not supported by this version; "
                             "make a new stack with the [database] section"))
    elif ldb and not db:
        add(Change("database", "database", ldb.identifier, None, REPLACE, "delete the database",
                   loses="every row in it (a final snapshot is kept)"))
        problem(("database", "removing the [database] section deletes the database; this version does "
                             "not do that from 'up': use 'hostwiz down' and make the stack again, or put the "
                             "section back"))
    elif db and ldb:
        differ = [(fld, before, after) for fld, before, after in (
            ("engine", ldb.engine, db.engine.value), ("db_name", ldb.db_name, db.db_name),
            ("username", ldb.username, db.username)) if before and before != after]
        if differ:
            add(Change("database.replace", "database " + ", ".join(f for f, _, _ in differ),
                       ", ".join(str(b) for _, b, _ in differ), ", ".join(str(a) for _, _, a in differ), REPLACE,
                       "delete the database (a final snapshot is kept) and make a new, empty one with a new "
                       "password; the app's connection string is updated", ["DeleteDBInstance", "CreateDBInstance"],
                       loses="every row in the current database (they stay in the final snapshot)",
                       data={"identifier": ldb.identifier}))
            if not replace:
                for fld, before, after in differ:
                    problem((f"database.{fld}", f"changing {fld} ({before} -> {after}) replaces the database; add "
                                                "--replace to ask for it (and read what it loses)"))
        modify: dict[str, Any] = {}
        if db.instance_class != ldb.instance_class:
            modify["DBInstanceClass"] = db.instance_class
        if db.storage_gb < ldb.storage_gb:
            problem(("database.storage_gb", f"{db.storage_gb} GB is less than the {ldb.storage_gb} GB allocated; "
                                            "RDS storage cannot shrink"))
        elif db.storage_gb > ldb.storage_gb:
            last = live.storage_changed_at
            if last and _now(now) - datetime.fromisoformat(last) < STORAGE_COOLDOWN:
                ready = datetime.fromisoformat(last) + STORAGE_COOLDOWN
                problem(("database.storage_gb", f"the storage was changed at {last}; RDS allows the next change "
                                                f"6 hours later, after {ready.isoformat(timespec='minutes')}"))
            elif ldb.status == "storage-optimization":
                problem(("database.storage_gb", "the database is still optimising its last storage change; "
                                                "try again when its status is 'available'"))
            else:
                modify["AllocatedStorage"] = db.storage_gb
        if modify and ldb.status == "stopped":
            problem(("database", f"the database is stopped; RDS changes a running database only: "
                                 f"'hostwiz start {live.name}' first"))
            modify = {}
        if modify:
            cls = "DBInstanceClass" in modify
            when = "now" if apply_now else "in the next maintenance window"
            add(Change("database.instance_class" if cls and len(modify) == 1 else
                       "database.storage_gb" if len(modify) == 1 else "database",
                       "database " + " and ".join(["class"] * cls + ["storage"] * ("AllocatedStorage" in modify)),
                       f"{ldb.instance_class}, {ldb.storage_gb} GB", f"{db.instance_class}, {db.storage_gb} GB",
                       NEEDS_STOP if cls else IN_PLACE,
                       f"modify the database {when}" + (" (a class change restarts it: a few minutes without the "
                                                        "database for a single-AZ instance)" if cls else
                                                        " (online; no downtime)"),
                       ["ModifyDBInstance"], loses="open database connections" if cls else "",
                       data={"identifier": ldb.identifier, "modify": modify}))
    return plan
