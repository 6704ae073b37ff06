"""Day two: change a stack that runs. The use cases behind `hostwiz up` on an existing stack
(`plan_change`, `apply_change`), `stop`/`start`, `allow`/`revoke`, `snapshot`/`restore` and
`tunnel`.

Every change runs under the stack's lock, with its intent written to the ledger before its
first AWS call (`Ledger.change_intent`), so a crash leaves a record the next plan folds in
(an instance stopped for a resize is started again). Field-level problems come back before
anything changes, as (field, message) pairs like the spec's own validation.

Ownership (issue 12): before anything changes, every resource it would touch is verified as the
stack's own by its identity (`provisioners.operate.not_owned`, which asks `ownership.why_not_owned`
like `down` and adopt do), never by its name; a look-alike in the stack's place is a problem
("name"), and nothing is changed. What a change makes carries the stack's identity.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from hostwiz import changes, costs, growfs, secrets, spend
from hostwiz import events as ev
from hostwiz.changes import ChangePlan, Live
from hostwiz.dbclient import ClientFiles, DbLogin
from hostwiz.growfs import Grown
from hostwiz.errors import BAD_INPUT, UserError, describe_error
from hostwiz.ledger import LIVE, Ledger
from hostwiz.provisioners import ami, operate, preflight
from hostwiz.provisioners.operate import SnapshotInfo, Waits
from hostwiz.provisioners.ownership import Identity
from hostwiz.spec import SpecError, StackSpec, check_ssh_cidr, validate
from hostwiz.ssh.hostkeys import Confirm, refuse
from hostwiz.ssh.tunnel import Tunnel, TunnelEvent

from .session import Session



def _ledger(session: Session, name: str) -> Ledger:
    ledger = Ledger(session.state_dir, name)
    if not ledger.exists:
        raise UserError(f"no stack named {name!r} in {session.state_dir}; 'hostwiz status' lists the stacks", BAD_INPUT)
    return ledger


def _region(session: Session, ledger: Ledger) -> Session:
    return session.for_region(ledger.get("region") or session.aws.region)


def _waits(session: Session, *, db: bool = False, cancel: threading.Event | None = None,
           progress: Callable[[str], None] | None = None) -> Waits:
    t = session.timing
    return Waits(delay=t.db_delay if db else t.instance_delay, timeout=t.db_timeout if db else t.instance_timeout,
                 cancel=cancel, progress=progress)


def _not_owned(sess: Session, ledger: Ledger, live: Live | None = None,
               which: tuple[str, ...] = operate.PARTS) -> list[str]:
    """Why any part of the stack in `which` is not verifiably its own ([] when all are)."""
    return operate.not_owned(sess.aws, ledger, operate.targets(ledger, live, which))


def refuse_unless_owned(sess: Session, ledger: Ledger, live: Live | None = None,
                         which: tuple[str, ...] = operate.PARTS) -> None:
    problems = _not_owned(sess, ledger, live, which)
    if problems:
        raise UserError("name: " + "; ".join(problems) + "; nothing was changed", BAD_INPUT)


def exists(session: Session, name: str) -> bool:
    """A stack of this name was made (and not torn down): `up` plans changes instead of creating."""
    ledger = Ledger(session.state_dir, name)
    return ledger.exists and ledger.get("status") in LIVE


# Plan and apply -----------------------------------------------------------------------------------


def _before_spec(ledger: Ledger, live: Live) -> StackSpec | None:
    """The spec the stack runs with now: the ledger's, with AWS's word for what may have changed."""
    data = dict(ledger.get("spec") or {})
    if not data:
        return None
    inst = dict(data.get("instance") or {})
    inst.update(type=live.instance_type or inst.get("type"), volume_gb=live.volume_gb or inst.get("volume_gb", 20))
    data["instance"] = inst
    if live.db and data.get("database"):
        data["database"] = {**data["database"], "instance_class": live.db.instance_class,
                            "storage_gb": live.db.storage_gb}
    try:
        return validate(data)
    except SpecError:
        return None


@dataclass
class LiveValues:
    """What Edit on a running stack starts from: its spec as it runs now (the ledger's, with AWS's
    word for the instance type, disk size, database class and storage, and the hosted zone its
    names are in) and the SSH sources its security group admits now."""

    name: str
    spec: dict[str, Any]
    ssh_cidrs: list[str]
    status: str


def live_values(session: Session, name: str) -> LiveValues:
    ledger = _ledger(session, name)
    sess = _region(session, ledger)
    live = operate.live(sess.aws, ledger)
    before = _before_spec(ledger, live)
    data = before.to_toml_dict() if before else dict(ledger.get("spec") or {})
    domain = data.get("domain")
    if domain and not domain.get("hosted_zone"):
        zone = operate.zone_of(sess.aws, domain["name"])
        if zone:
            data["domain"] = {**domain, "hosted_zone": zone}
    return LiveValues(name, data, live.ssh_cidrs, live.status)


def plan_change(session: Session, spec: StackSpec, *, replace: bool = False, apply_now: bool = True) -> ChangePlan:
    """What `up SPEC` would change on the running stack `spec.name`, with the problems that stop it."""
    ledger = _ledger(session, spec.name)
    sess = _region(session, ledger)
    ident = Identity.of_ledger(ledger)
    live = operate.live(sess.aws, ledger)
    plan = changes.diff(live, spec, replace=replace, apply_now=apply_now)
    plan.problems += [("name", why) for why in _not_owned(sess, ledger, live)]
    if spec.instance.type != live.instance_type:
        if ami.arch_of(spec.instance.type) != ami.arch_of(live.instance_type):
            plan.problems.append(("instance.type", f"{spec.instance.type} is {ami.arch_of(spec.instance.type)} and "
                                  f"{live.instance_type} is {ami.arch_of(live.instance_type)}: the disk's system "
                                  "cannot boot on the other architecture; pick a type of the same family kind"))
    if spec.region == live.region:
        plan.problems += [p for p in preflight.check(sess.aws, spec, ident) if p[0] != "region"]
    want, have = bool(spec.monitoring and spec.monitoring.alarms), bool(ledger.get("alarms"))
    if want != have:
        from hostwiz.provisioners import alarms

        existing = alarms.states(sess.aws, spec.name, ident)
        if want:
            planned = alarms.plan(spec.name, live.region, instance_id=live.instance_id, instance_type=spec.instance.type,
                                  db_instance_id=live.db.identifier if live.db else None,
                                  db_storage_gb=spec.database.storage_gb if spec.database else None)
            plan.problems += alarms.taken(sess.aws, spec.name, planned, ident)
            plan.changes.append(changes.Change(
                "monitoring.alarms", "alarms", "off", "on", changes.IN_PLACE,
                "put " + ", ".join(a.key for a in planned) + " (the first recovers the instance onto healthy "
                "hardware when AWS's system check fails)", ["PutMetricAlarm"] * len(planned)))
        else:
            plan.changes.append(changes.Change(
                "monitoring.alarms", "alarms", "on", "off", changes.IN_PLACE, "delete the stack's alarms",
                ["DeleteAlarms"] * len(existing), loses="automatic recovery and the warnings"))
    before = _before_spec(ledger, live)
    plan.cost_before = costs.estimate(before).total if before else 0.0
    plan.cost_after = costs.estimate(spec).total
    return plan


@dataclass
class ApplyResult:
    ok: bool
    done: list[str] = field(default_factory=list)
    failed: str = ""
    error: str = ""


def _same(a: ChangePlan, b: ChangePlan) -> bool:
    # `before` too: what the operator confirmed was a change from what ran then
    return [(c.key, c.before, c.after, c.calls) for c in a.changes] == \
        [(c.key, c.before, c.after, c.calls) for c in b.changes]


def apply_change(session: Session, spec: StackSpec, plan: ChangePlan, on_event: ev.Callback = ev.ignore, *,
                 cancel: threading.Event | None = None) -> ApplyResult:
    """Make the changes of `plan` (shown and confirmed) under the stack's lock. The plan is made
    again under the lock: if the stack changed in between, nothing is done."""
    if not plan.ok:
        raise UserError("the plan has problems; nothing was changed", BAD_INPUT)
    ledger = _ledger(session, spec.name)
    sess = _region(session, ledger)
    aws = sess.aws
    with ledger.lock("up (change)"):
        again = plan_change(session, spec, apply_now=plan.apply_now, replace=plan.replace)
        if not again.ok or not _same(plan, again):
            raise UserError("the stack changed since the plan was made; run 'hostwiz up' again to see the new plan")
        result = ApplyResult(True)
        progress = lambda text: on_event(ev.Event(ev.PROGRESS, "change", message=text))  # noqa: E731
        outputs = ledger.get("outputs") or {}
        alloc = (ledger.entry("eip").id if ledger.entry("eip") else None)
        stacked = ledger.get("status")
        replaced = False
        grow_after = None  # the volume grew: its filesystem grows after the other changes
        for ch in plan.changes:
            cid = ledger.change_intent(ch.key, before=ch.before, after=ch.after, **ch.data)
            on_event(ev.Event(ev.STARTED, ch.key, ch.label, f"{ch.before} -> {ch.after}"))
            t0 = time.monotonic()
            try:
                if ch.key == "instance.type":
                    iid = ch.data["instance_id"]
                    if ch.data.get("was_running"):
                        operate.stop_instance(aws, iid, _waits(sess, cancel=cancel, progress=progress))
                    operate.set_instance_type(aws, iid, ch.after)
                    if ch.data.get("was_running"):
                        operate.start_instance(aws, iid, _waits(sess, cancel=cancel, progress=progress), alloc)
                elif ch.key == "instance.restart":
                    operate.start_instance(aws, ch.data["instance_id"], _waits(sess, cancel=cancel, progress=progress),
                                           alloc)
                elif ch.key == "instance.volume_gb":
                    operate.grow_volume(aws, ch.data["volume_id"], ch.after)
                    grow_after = ch
                elif ch.key == "instance.ssh_cidr":
                    operate.allow_ssh(aws, ch.data["group_id"], ch.data["add"])
                    for old in ch.data["remove"]:
                        operate.revoke_ssh(aws, ch.data["group_id"], old)
                elif ch.key == "domain":
                    operate.update_dns(aws, ledger, add=ch.data["add"], remove=ch.data["remove"],
                                       ip=outputs.get("public_ip") or "", stack=spec.name,
                                       run_id=ledger.get("run_id") or "", hosted_zone=ch.data.get("hosted_zone"),
                                       stack_id=ledger.get("stack_id"))
                elif ch.key == "monitoring.alarms":
                    from hostwiz.provisioners import alarms

                    from .stacks import put_alarms

                    if ch.after == "on":
                        put_alarms(sess, spec.name, ledger, on_event)
                    else:
                        outcome = alarms.delete(aws, spec.name, Identity.of_ledger(ledger), settings=session.deletion)
                        if not outcome.ok:
                            raise UserError("alarms left: " + ", ".join(x.resource.id for x in outcome.left))
                        ledger.update(alarms=False)
                elif ch.key.startswith("database") and "modify" in ch.data:
                    operate.modify_db(aws, ch.data["identifier"], ch.data["modify"], plan.apply_now)
                elif ch.key == "instance.os":
                    label = "replaced-" + time.strftime("%Y%m%d%H%M%S", time.gmtime())
                    if ch.data.get("volume_id"):
                        operate.snapshot_volume(aws, ch.data["volume_id"], spec.name, ledger.get("run_id") or "",
                                                label, ledger.get("stack_id"))
                    operate.terminate_instance(aws, ch.data["instance_id"], _waits(sess, cancel=cancel,
                                                                                  progress=progress), alloc)
                    ledger.deleted("instance")
                    ledger.doc.get("tokens", {}).pop("instance", None)  # a new ClientToken: a new instance
                    ledger.save()
                    replaced = True
                elif ch.key == "database.replace":
                    operate.delete_db(aws, ch.data["identifier"], _waits(sess, db=True, cancel=cancel,
                                                                         progress=progress))
                    ledger.deleted("database")
                    replaced = True
                else:
                    raise UserError(f"{ch.key}: not a change this version makes")
            except Exception as err:
                error = describe_error(err)
                # The intent stays open (the next plan resumes it); the error is kept beside it.
                ledger.change_state(cid, "intent", error=error)
                on_event(ev.Event(ev.FAILED, ch.key, ch.label, error))
                return ApplyResult(False, result.done, ch.key, error)
            ledger.change_state(cid, "done")
            result.done.append(ch.key)
            on_event(ev.Event(ev.DONE, ch.key, ch.label, str(ch.after), elapsed=time.monotonic() - t0))
        for p in ledger.pending_changes():  # older intents this run has now carried through
            ledger.change_state(p["id"], "done", resumed=True)
        ledger.update(spec=_merged_spec(spec, ledger), status="stopped" if stacked == "stopped" else "ready",
                      outputs={**outputs, "url": outputs.get("url")})
        cidr = spec.instance.ssh_cidr or (ledger.get("spec") or {}).get("instance", {}).get("ssh_cidr") or \
            next((r["cidr"] for r in operate.ssh_rules(aws, _group(ledger))), "")
        if grow_after is not None and stacked == "stopped":
            on_event(ev.Event(ev.SKIPPED, FS_STEP, "root filesystem",
                              "the instance is stopped: the filesystem grows when it starts (cloud-init's growpart)"))
        elif grow_after is not None and not replaced:
            _grow_filesystem_event(session, ledger, grow_after, on_event, cancel)
    if not replaced:
        return result
    # What was replaced is made again by `up` (outside this lock: up takes it), which resumes every
    # other resource as it is: the new instance gets the Elastic IP, the DNS names and the setup.
    from .stacks import up

    made = up(session, spec, cidr, on_event, cancel=cancel)
    if not made.ok:
        return ApplyResult(False, result.done, "up", made.error)
    return result


FS_STEP = "instance.filesystem"


def grow_filesystem(session: Session, name: str, *, timeout: float = 300.0) -> Grown:
    """Grow the root partition and filesystem of the stack's instance to its (grown) disk, over the
    stack's verified SSH (the session's pool: host keys pinned or checked against the console
    output). Raises when SSH or the script fails; the message says why."""
    from .ssh import pool

    code, out, err = pool(session).run(name, growfs.command(), timeout=timeout)
    grown = growfs.parse(out)
    if code != 0 or grown is None:
        raise UserError(f"growing the filesystem failed (exit {code}): {(err or out).strip()[-300:] or 'no answer'}")
    return grown


def _grow_filesystem_event(session: Session, ledger: Ledger, ch: changes.Change, on_event: ev.Callback,
                           cancel: threading.Event | None) -> None:
    """After ModifyVolume: wait until the instance sees the new size, then grow the filesystem. Not
    a failure of the change when it cannot (no SSH from here): it grows at the next boot."""
    name = ledger.name
    later = (f"it grows at the next boot (cloud-init's growpart), or now with 'hostwiz ssh {name}' "
             "and growpart + resize2fs (xfs_growfs on Amazon Linux)")
    sess = _region(session, ledger)
    if session.resolve_ssh is None and not session.dial_instances:
        on_event(ev.Event(ev.SKIPPED, FS_STEP, "root filesystem", f"not grown from here: {later}"))
        return
    on_event(ev.Event(ev.STARTED, FS_STEP, "root filesystem", f"growing to {ch.after} GB over SSH"))
    t0 = time.monotonic()
    try:
        operate.wait_volume_grown(sess.aws, ch.data["volume_id"], int(ch.after), _waits(
            sess, cancel=cancel, progress=lambda t: on_event(ev.Event(ev.PROGRESS, FS_STEP, message=t))))
        grown = grow_filesystem(session, name)
    except Exception as err:  # noqa: BLE001 (the disk grew; only the filesystem waits for a boot)
        on_event(ev.Event(ev.SKIPPED, FS_STEP, "root filesystem", f"not grown now ({describe_error(err)}); {later}"))
        return
    cid = ledger.change_intent(FS_STEP, size_gb=ch.after)
    ledger.change_state(cid, "done", device=grown.device, fstype=grown.fstype, before_kib=grown.before_kib,
                        after_kib=grown.after_kib)
    on_event(ev.Event(ev.DONE, FS_STEP, "root filesystem", grown.text(), elapsed=time.monotonic() - t0))


def _merged_spec(spec: StackSpec, ledger: Ledger) -> dict[str, Any]:
    """The spec as it now runs. The SSH source stays the stack's when the new spec has none."""
    data = spec.to_toml_dict()
    old = ledger.get("spec") or {}
    if not spec.instance.ssh_cidr and old.get("instance", {}).get("ssh_cidr"):
        data["instance"]["ssh_cidr"] = old["instance"]["ssh_cidr"]
    return data


# Stop and start -----------------------------------------------------------------------------------


@dataclass
class PowerResult:
    name: str
    state: str  # running | stopped
    running_monthly: float
    stopped_monthly: float
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "running_monthly": round(self.running_monthly, 2),
                "stopped_monthly": round(self.stopped_monthly, 2), "notes": self.notes}


def power_costs(ledger: Ledger) -> tuple[float, float]:
    """(monthly cost while running, while stopped) at list prices."""
    try:
        r = spend.rates_for(validate(ledger.get("spec") or {}))
    except SpecError:
        return 0.0, 0.0
    return r.hourly(spend.RUNNING) * costs.hours(), r.hourly(spend.STOPPED) * costs.hours()


RDS_RESTART_NOTE = ("AWS starts a stopped database again after 7 days; 'hostwiz status' says when it has, "
                    "and 'hostwiz stop {name}' stops it again")


def stop(session: Session, name: str, on_event: ev.Callback = ev.ignore, *,
         cancel: threading.Event | None = None) -> PowerResult:
    """Stop the instance and the database: no instance hours; disks and the address still cost."""
    ledger = _ledger(session, name)
    sess = _region(session, ledger)
    with ledger.lock("stop"):
        status = ledger.get("status")
        if status not in LIVE:
            raise UserError(f"name: stack {name} is {status}; wait for it to finish before stopping it", BAD_INPUT)
        refuse_unless_owned(sess, ledger, which=("instance", "database"))
        outputs = ledger.get("outputs") or {}
        db = ledger.entry("database")
        cid = ledger.change_intent("stop")
        progress = lambda text: on_event(ev.Event(ev.PROGRESS, "stop", message=text))  # noqa: E731
        if outputs.get("instance_id"):
            on_event(ev.Event(ev.STARTED, "instance", "instance", f"stopping {outputs['instance_id']}"))
            operate.stop_instance(sess.aws, outputs["instance_id"], _waits(sess, cancel=cancel, progress=progress))
            on_event(ev.Event(ev.DONE, "instance", "instance", "stopped"))
        if db and db.id:
            on_event(ev.Event(ev.STARTED, "database", "database", f"stopping {db.id}"))
            operate.stop_db(sess.aws, db.id, _waits(sess, db=True, cancel=cancel, progress=progress))
            on_event(ev.Event(ev.DONE, "database", "database", "stopped"))
        ledger.update(status="stopped", stopped_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        ledger.power(spend.STOPPED)
        ledger.change_state(cid, "done")
    run, idle = power_costs(ledger)
    return PowerResult(name, spend.STOPPED, run, idle, [RDS_RESTART_NOTE.format(name=name)] if db and db.id else [])


def start(session: Session, name: str, on_event: ev.Callback = ev.ignore, *,
          cancel: threading.Event | None = None) -> PowerResult:
    ledger = _ledger(session, name)
    sess = _region(session, ledger)
    with ledger.lock("start"):
        status = ledger.get("status")
        if status not in LIVE:
            raise UserError(f"name: stack {name} is {status}; wait for it to finish before starting it", BAD_INPUT)
        refuse_unless_owned(sess, ledger, which=("instance", "eip", "database"))
        outputs = ledger.get("outputs") or {}
        db = ledger.entry("database")
        eip = ledger.entry("eip")
        cid = ledger.change_intent("start")
        progress = lambda text: on_event(ev.Event(ev.PROGRESS, "start", message=text))  # noqa: E731
        if db and db.id:  # the database first: the app connects to it when it starts
            on_event(ev.Event(ev.STARTED, "database", "database", f"starting {db.id}"))
            operate.start_db(sess.aws, db.id, _waits(sess, db=True, cancel=cancel, progress=progress))
            on_event(ev.Event(ev.DONE, "database", "database", "available"))
        if outputs.get("instance_id"):
            on_event(ev.Event(ev.STARTED, "instance", "instance", f"starting {outputs['instance_id']}"))
            operate.start_instance(sess.aws, outputs["instance_id"], _waits(sess, cancel=cancel, progress=progress),
                                   eip.id if eip else None)
            on_event(ev.Event(ev.DONE, "instance", "instance", "running"))
        ledger.update(status="ready")
        ledger.power(spend.RUNNING)
        ledger.change_state(cid, "done")
    run, idle = power_costs(ledger)
    return PowerResult(name, spend.RUNNING, run, idle)


# Who may connect ----------------------------------------------------------------------------------


@dataclass
class Rules:
    name: str
    group_id: str
    rules: list[dict[str, str]]
    changed: bool = False
    others: list[str] = field(default_factory=list)  # security groups, prefix lists (hostwiz leaves them)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "group_id": self.group_id, "ssh": self.rules, "changed": self.changed,
                "also": self.others}


def _group(ledger: Ledger) -> str:
    e = ledger.entry("app-sg")
    if not e or not e.id:
        raise UserError(f"stack {ledger.name} has no security group in its ledger")
    return e.id


def rules(session: Session, name: str) -> Rules:
    ledger = _ledger(session, name)
    gid = _group(ledger)
    aws = _region(session, ledger).aws
    return Rules(name, gid, operate.ssh_rules(aws, gid), others=operate.ssh_other_sources(aws, gid))


def _cidr(cidr: str, *, allow_world: bool = False) -> str:
    try:  # allow has no switch for a range that wide (the spec's allow_world_ssh, applied by up, does)
        return check_ssh_cidr(cidr, allow_world=allow_world,
                              wider="or set allow_world_ssh = true in its spec and run 'hostwiz up SPEC.toml'")
    except ValueError as err:
        raise UserError(f"cidr: {err}", BAD_INPUT) from None


def allow(session: Session, name: str, cidr: str | None = None) -> Rules:
    """Admit SSH from `cidr` (default: the operator's current address)."""
    from .stacks import operator_address

    if not cidr:
        found = operator_address(session)
        if not found.cidr:
            raise UserError(f"cidr: {found.how}; give the address, e.g. 'hostwiz allow {name} 203.0.113.7/32'",
                            BAD_INPUT)
        cidr = found.cidr
    cidr = _cidr(cidr)
    ledger = _ledger(session, name)
    sess = _region(session, ledger)
    gid = _group(ledger)
    with ledger.lock("allow"):
        refuse_unless_owned(sess, ledger, which=("app-sg",))
        cid = ledger.change_intent("ssh.allow", cidr=cidr)
        changed = operate.allow_ssh(sess.aws, gid, cidr, f"SSH (hostwiz allow, {time.strftime('%Y-%m-%d')})")
        ledger.change_state(cid, "done", changed=changed)
    return Rules(name, gid, operate.ssh_rules(sess.aws, gid), changed, operate.ssh_other_sources(sess.aws, gid))


@dataclass
class Admission:
    """Whether the stack's security group admits SSH from where the operator is now."""

    name: str
    cidr: str  # the operator's address as a CIDR ("" when it could not be found)
    how: str  # how it was found, or why not
    rules: list[str]

    @property
    def admitted(self) -> bool:
        import ipaddress

        if not self.cidr:
            return True  # unknown: nothing to offer
        me = ipaddress.ip_network(self.cidr, strict=False)
        for rule in self.rules:
            net = ipaddress.ip_network(rule, strict=False)
            if net.version == me.version and me.subnet_of(net):  # type: ignore[arg-type]
                return True
        return False


def admission(session: Session, name: str) -> Admission:
    """The operator's current address against the stack's SSH rules (for a connection that timed out)."""
    from .stacks import operator_address

    found = operator_address(session)
    return Admission(name, found.cidr or "", found.how, [r["cidr"] for r in rules(session, name).rules])


def revoke(session: Session, name: str, cidr: str) -> Rules:
    cidr = _cidr(cidr, allow_world=True)  # taking a world-open (or whole private /8) source away is always allowed
    ledger = _ledger(session, name)
    sess = _region(session, ledger)
    gid = _group(ledger)
    with ledger.lock("revoke"):
        refuse_unless_owned(sess, ledger, which=("app-sg",))
        cid = ledger.change_intent("ssh.revoke", cidr=cidr)
        changed = operate.revoke_ssh(sess.aws, gid, cidr)
        ledger.change_state(cid, "done", changed=changed)
    return Rules(name, gid, operate.ssh_rules(sess.aws, gid), changed, operate.ssh_other_sources(sess.aws, gid))


# Snapshots ----------------------------------------------------------------------------------------


def snapshot_monthly(region: str, snap: SnapshotInfo) -> float:
    """List price per month, at the full size (an upper bound: EBS bills changed blocks; RDS bills
    manual snapshots beyond the free allowance, which only automated backups use)."""
    k = "ebs-snapshot" if snap.kind == "volume" else "db-snapshot"
    return costs.resource_monthly(k, region, {"size_gb": snap.size_gb})


@dataclass
class Snapshots:
    region: str
    items: list[SnapshotInfo]

    def as_dict(self) -> dict[str, Any]:
        return {"region": self.region, "snapshots": [
            {**s.as_dict(), "monthly": round(snapshot_monthly(self.region, s), 2)} for s in self.items]}


def snapshot(session: Session, name: str) -> Snapshots:
    """Snapshot the root volume and the database, tagged to the stack."""
    ledger = _ledger(session, name)
    sess = _region(session, ledger)
    with ledger.lock("snapshot"):
        live = operate.live(sess.aws, ledger)
        refuse_unless_owned(sess, ledger, live, ("instance", "volume", "database"))
        label = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        run_id, stack_id = ledger.get("run_id") or "", ledger.get("stack_id")
        cid = ledger.change_intent("snapshot", label=label)
        made = []
        if live.volume_id:
            made.append(operate.snapshot_volume(sess.aws, live.volume_id, name, run_id, label, stack_id))
        if live.db:
            if live.db.status not in ("available", "stopped"):
                raise UserError(f"the database is {live.db.status}; RDS snapshots an available or stopped database")
            made.append(operate.snapshot_db(sess.aws, live.db.identifier, name, run_id, label, stack_id))
        ledger.change_state(cid, "done", made=made)
    return Snapshots(sess.aws.region, [s for s in operate.stack_snapshots(sess.aws, name) if s.id in made])


def snapshots(session: Session, name: str | None = None, *, region: str | None = None) -> Snapshots:
    """Snapshots tagged to `name` (default: to any stack, torn-down ones included), in the stack's
    region (or `region`, or the session's)."""
    sess = session.for_region(region) if region else _region(session, Ledger(session.state_dir, name)) if name \
        else session
    return Snapshots(sess.aws.region, operate.stack_snapshots(sess.aws, name))


@dataclass
class RestorePlan:
    name: str
    snapshot: SnapshotInfo
    problems: list[tuple[str, str]]
    steps: list[str]
    loses: str
    calls: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "restore-plan", "name": self.name, "snapshot": self.snapshot.as_dict(), "ok": self.ok,
                "problems": [{"field": f, "message": m} for f, m in self.problems], "steps": self.steps,
                "loses": self.loses, "calls": self.calls}


_RESTORE_PARTS = {"volume": ("instance", "volume", "eip"), "database": ("database",)}


def plan_restore(session: Session, name: str, snapshot_id: str) -> RestorePlan:
    ledger = _ledger(session, name)
    sess = _region(session, ledger)
    found = [s for s in operate.stack_snapshots(sess.aws) if s.id == snapshot_id]
    if not found:
        raise UserError(f"snapshot: no snapshot {snapshot_id!r} of a hostwiz stack in {sess.aws.region}; "
                        f"'hostwiz snapshot {name} --list' lists them", BAD_INPUT)
    snap = found[0]
    live = operate.live(sess.aws, ledger)
    problems: list[tuple[str, str]] = []
    if snap.kind == "volume":
        if not live.instance_id or live.instance_state not in ("running", "stopped"):
            problems.append(("snapshot", f"stack {name} has no instance to restore the disk of"))
    elif not live.db:
        problems.append(("snapshot", f"stack {name} has no database to restore into"))
    else:
        engine = (operate.db_snapshot(sess.aws, snapshot_id) or {}).get("Engine", "")
        if engine and live.db.engine and engine != live.db.engine:
            problems.append(("snapshot", f"{snapshot_id} is a {engine} snapshot; the stack's database is {live.db.engine}"))
        if snap.size_gb > live.db.storage_gb and live.db.storage_gb:
            pass  # RDS restores at the snapshot's size: fine
    if ledger.get("status") not in LIVE:
        problems.append(("name", f"stack {name} is {ledger.get('status')}; wait for it to finish"))
    problems += [("name", why) for why in _not_owned(sess, ledger, live, _RESTORE_PARTS[snap.kind])]
    if snap.kind == "volume":
        return RestorePlan(name, snap, problems, [
            f"make a volume from {snapshot_id} in the instance's zone",
            f"stop {live.instance_id}, snapshot its current root volume {live.volume_id} (kept), detach it",
            "attach the new volume as the root device, start the instance (the Elastic IP stays)",
            f"delete the old volume {live.volume_id}"],
            f"nothing for good: files written since {snap.created} leave the disk but stay in the snapshot of the "
            "old volume; a few minutes of downtime",
            ["CreateVolume", "StopInstances", "CreateSnapshot", "DetachVolume", "AttachVolume",
             "ModifyInstanceAttribute", "StartInstances", "DeleteVolume"])
    ident = live.db.identifier if live.db else f"{name}-db"
    return RestorePlan(name, snap, problems, [
        f"take a final snapshot of {ident} and delete it (a few minutes without a database)",
        f"restore {ident} from {snapshot_id} with the same identifier, class, network and security group "
        "(same endpoint: the app's connection string stays valid)",
        "wait until it is available"],
        f"nothing for good: rows written since {snap.created} leave the live database, but stay in the final snapshot",
        ["DeleteDBInstance", "RestoreDBInstanceFromDBSnapshot"])


def restore(session: Session, plan: RestorePlan, on_event: ev.Callback = ev.ignore, *,
            cancel: threading.Event | None = None) -> None:
    if not plan.ok:
        raise UserError("the restore plan has problems; nothing was changed", BAD_INPUT)
    ledger = _ledger(session, plan.name)
    sess = _region(session, ledger)
    with ledger.lock("restore"):
        live = operate.live(sess.aws, ledger)
        refuse_unless_owned(sess, ledger, live, _RESTORE_PARTS[plan.snapshot.kind])
        if plan.snapshot.kind == "volume":
            cid = ledger.change_intent("instance.restore", snapshot=plan.snapshot.id)
            on_event(ev.Event(ev.STARTED, "restore", "root volume", f"restoring from {plan.snapshot.id}"))
            eip = ledger.entry("eip")
            done = operate.restore_root(
                sess.aws, live.instance_id, plan.snapshot.id, stack=plan.name, run_id=ledger.get("run_id") or "",
                stack_id=ledger.get("stack_id"), w=_waits(sess, cancel=cancel, progress=lambda t: on_event(ev.Event(ev.PROGRESS, "restore", message=t))),
                allocation_id=eip.id if eip else None)
            ledger.change_state(cid, "done", **done)
            on_event(ev.Event(ev.DONE, "restore", "root volume",
                              f"{done['new_volume']} (the old disk is kept as {done['old_snapshot'] or 'nothing'})"))
            return
        d = operate.kind("rds-instance").describe(sess.aws, live.db.identifier) if live.db else None
        if not d:
            raise UserError("the database disappeared since the plan was made; nothing was changed")
        groups = [g["VpcSecurityGroupId"] for g in d.get("VpcSecurityGroups", [])]
        subnet = (d.get("DBSubnetGroup") or {}).get("DBSubnetGroupName", "")
        cid = ledger.change_intent("database.restore", snapshot=plan.snapshot.id)
        progress = lambda text: on_event(ev.Event(ev.PROGRESS, "restore", message=text))  # noqa: E731
        on_event(ev.Event(ev.STARTED, "restore", "database", f"restoring from {plan.snapshot.id}"))
        ident = live.db.identifier

        def made(uid: str) -> None:  # the restored database is another resource: the ledger's claim follows it
            ledger.created("database", "rds-instance", ident, uid=uid)

        restored = operate.restore_db(sess.aws, ident, plan.snapshot.id, instance_class=live.db.instance_class,
                                      subnet_group=subnet, security_groups=groups, stack=plan.name,
                                      run_id=ledger.get("run_id") or "", stack_id=ledger.get("stack_id"),
                                      w=_waits(sess, db=True, cancel=cancel, progress=progress), on_made=made)
        ledger.created("database", "rds-instance", ident, **{k: v for k, v in restored.items() if v})
        ledger.change_state(cid, "done")
        on_event(ev.Event(ev.DONE, "restore", "database", "available"))


# Tunnel -------------------------------------------------------------------------------------------


@dataclass
class DbTunnel:
    """An open tunnel to the stack's database, with the client files holding its password."""

    name: str
    remote: str
    tunnel: Tunnel
    files: ClientFiles

    @property
    def local_port(self) -> int:
        return self.tunnel.local_port

    @property
    def connection_string(self) -> str:  # the password masked
        return self.files.connection_string()

    @property
    def env(self) -> dict[str, str]:
        return dict(self.files.env)

    @property
    def command(self) -> list[str]:
        return list(self.files.command)

    def close(self) -> None:
        try:
            self.tunnel.close()
        finally:
            self.files.close()

    def __enter__(self) -> "DbTunnel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def db_password(session: Session, name: str) -> secrets.Secret:
    found = secrets.fetch(secrets.db_password_account(name))
    if found is not None:
        return found
    ledger = _ledger(session, name)
    url = operate.database_url(_region(session, ledger).aws, (ledger.get("outputs") or {}).get("db_url_parameter"))
    if url is None:
        raise UserError(f"the database password of {name} is neither in the keyring nor in SSM; reset it with "
                        "'aws rds modify-db-instance --master-user-password' and run again")
    from urllib.parse import unquote, urlsplit

    password = secrets.Secret(unquote(urlsplit(url.reveal()).password or ""))
    secrets.register(password.reveal())
    return password


def open_tunnel(session: Session, name: str, *, local_port: int = 0, confirm: Confirm = refuse,
                progress: Callable[[str], None] | None = None,
                on_event: Callable[[TunnelEvent], None] | None = None) -> DbTunnel:
    """Forward 127.0.0.1:`local_port` (0: a free one) to the stack's private database endpoint
    through the session's verified SSH transport, and write the client's password file (0600)."""
    from .ssh import pool

    ledger = _ledger(session, name)
    outputs = ledger.get("outputs") or {}
    spec = ledger.get("spec") or {}
    if not outputs.get("db_endpoint"):
        raise UserError(f"stack {name} has no database (or it is not ready yet): nothing to tunnel to", BAD_INPUT)
    if ledger.get("status") == "stopped":
        raise UserError(f"stack {name} is stopped; 'hostwiz start {name}' first")
    db = spec.get("database") or {}
    password = db_password(session, name)
    transport = pool(session).connection(name, confirm=confirm, progress=progress).transport
    tunnel = Tunnel(transport, outputs["db_endpoint"], int(outputs.get("db_port") or 5432), local_port=local_port,
                    on_event=on_event).start()
    try:
        files = ClientFiles(DbLogin(db.get("engine", "postgres"), "127.0.0.1", tunnel.local_port,
                                    db.get("username", "hostwiz"), password, db.get("db_name", "app")))
    except BaseException:
        tunnel.close()
        raise
    return DbTunnel(name, f"{outputs['db_endpoint']}:{outputs.get('db_port')}", tunnel, files)
