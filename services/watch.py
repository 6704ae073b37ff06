"""Watch a running stack: is the site answering (probes), how are the machine and the database
doing (one batched CloudWatch call per refresh), what has it cost so far, and its alarms.

    health(session, name)            -> Health (a probes.SiteReport, or why it was skipped)
    cost_so_far(session, name)       -> spend.Spend | None
    metrics(session, name, window)   -> provisioners.metrics.Snapshot
    alarms_on / alarms_off / alarm_states

The sandbox answers the probes with a local stand-in for the site and feeds plausible metrics:
no probe ever leaves this machine in the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hostwiz import events as ev
from hostwiz import probes, spend
from hostwiz.errors import BAD_INPUT, UserError
from hostwiz.ledger import CREATED, LIVE, Ledger
from hostwiz.provisioners import alarms, metrics, operate
from hostwiz.provisioners.deletion import Outcome
from hostwiz.provisioners.ownership import Identity
from hostwiz.spec import SpecError, validate

from .session import Session


def _ledger(session: Session, name: str) -> Ledger:
    ledger = Ledger(session.state_dir, name)
    if not ledger.exists:
        raise UserError(f"no stack named {name!r} in {session.state_dir}; 'hostwiz status' lists the stacks", BAD_INPUT)
    return ledger


def _sess(session: Session, ledger: Ledger) -> Session:
    return session.for_region(ledger.get("region") or session.aws.region)


# Health -------------------------------------------------------------------------------------------


@dataclass
class Health:
    report: probes.SiteReport | None
    skipped: str = ""  # why a probe was not made (stopped stack, the sandbox's TLS...)
    target: str = ""  # what was probed

    @property
    def status(self) -> str:
        return self.report.status if self.report else probes.UNKNOWN

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "target": self.target, "skipped": self.skipped,
                "results": [r.as_dict() for r in self.report.results] if self.report else []}


def health(session: Session, name: str, *, timeout: float = 5.0) -> Health:
    """Probe the stack's site the way a visitor would (DNS, delegation, HTTP(S), TLS)."""
    ledger = _ledger(session, name)
    spec = ledger.get("spec") or {}
    outputs = ledger.get("outputs") or {}
    health_path = (spec.get("runtime") or {}).get("health_path") or "/health"
    if ledger.get("status") == "stopped":
        return Health(None, f"stack {name} is stopped: nothing answers until 'hostwiz start {name}'")
    if not outputs.get("public_ip"):  # a failed or unfinished create may hold an address: nothing serves on it
        status = ledger.get("status")
        return Health(None, f"stack {name} has no address yet" if status in LIVE
                      else f"stack {name} is {status}: its site is probed once it is ready")
    if session.sandbox and session.lab is not None:
        host, port = session.lab.health_endpoint()
        report = probes.probe_site([], host, health_path=health_path, tls=False, http_port=port, timeout=timeout)
        return Health(report, "in the sandbox the site is a local stand-in on 127.0.0.1; DNS, delegation and "
                              "TLS are not probed (no outside network)", f"http://{host}:{port}")
    if session.sandbox:
        return Health(None, "probes are skipped in the sandbox (no outside network)")
    domain = spec.get("domain") or {}
    names = [domain["name"]] + ([f"www.{domain['name']}"] if domain.get("www") else []) if domain.get("name") else []
    zone = domain.get("hosted_zone") or (".".join(domain["name"].split(".")[-2:]) if domain.get("name") else None)
    expected_ns = operate.zone_name_servers(_sess(session, ledger).aws, zone) if zone else []
    report = probes.probe_site(names, outputs["public_ip"], health_path=health_path,
                               tls=bool((spec.get("runtime") or {}).get("tls")), zone=zone,
                               expected_ns=expected_ns or None, timeout=timeout)
    return Health(report, target=names[0] if names else outputs["public_ip"])


# Cost so far --------------------------------------------------------------------------------------


def _parse(at: str) -> datetime:
    t = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def cost_so_far(session: Session, name: str, now: datetime | None = None) -> spend.Spend | None:
    """From the ledger's running and stopped periods and the dated price table; None when the
    ledger has no record of when the stack started (made before hostwiz kept one)."""
    return cost_so_far_at(_ledger(session, name).state_dir, name, now)


def cost_so_far_at(state_dir: Path, name: str, now: datetime | None = None) -> spend.Spend | None:
    """`cost_so_far` from the state dir alone (local files, no AWS): home's first frame uses it."""
    ledger = Ledger(state_dir, name)
    history = ledger.power_history() or _billing_began(ledger)
    if not history:
        return None
    try:
        rates = spend.rates_for(validate(ledger.get("spec") or {}))
    except SpecError:
        return None
    periods = spend.periods_from_transitions([(_parse(p["at"]), p["state"]) for p in history])
    return spend.spend(periods, rates, now)


def _billing_began(ledger: Ledger) -> list[dict[str, str]]:
    """A create that did not finish (failed, cancelled) kept no power history: billing began when its
    instance or database was made, as the ledger recorded it; [] when neither was."""
    made = [e.at for e in ledger.entries() if e.step in ("instance", "database") and e.state == CREATED and e.at]
    if not made:
        return []
    return [{"at": datetime.fromtimestamp(min(made), timezone.utc).isoformat(), "state": spend.RUNNING}]


def no_cost_note(ledger: Ledger) -> str:
    """Why there is no cost so far, in words true to the stack."""
    eip = ledger.entry("eip")
    if eip is not None and eip.state == CREATED:  # public IPv4 is billed by the hour, attached or not
        from hostwiz.costs import ipv4_hourly

        region = ledger.get("region") or "us-east-1"
        hourly = ipv4_hourly(region)
        rate = f" (${hourly:.3f} an hour)" if hourly is not None else ""
        return (f"cost so far: only its Elastic IP is billed{rate} until {ledger.name} is torn down: the create "
                "stopped before its instance or database")
    if ledger.get("since"):  # made by a hostwiz that keeps the times
        return f"cost so far: nothing billed yet: the create stopped before {ledger.name}'s instance or database"
    return "cost so far: the ledger has no start time for this stack (made before hostwiz kept one)"


# Metrics ------------------------------------------------------------------------------------------


def watcher(session: Session, name: str) -> metrics.Watch:
    """The stack's metrics; `refresh(window)` is one GetMetricData call (run it off the UI thread)."""
    ledger = _ledger(session, name)
    sess = _sess(session, ledger)
    spec = ledger.get("spec") or {}
    outputs = ledger.get("outputs") or {}
    db = ledger.entry("database")
    storage = (spec.get("database") or {}).get("storage_gb")
    w = metrics.Watch(sess.aws, instance_id=outputs.get("instance_id"),
                      instance_type=(spec.get("instance") or {}).get("type", ""),
                      db_instance_id=db.id if db else None, db_storage_gb=storage)
    if session.sandbox and session.lab is not None:
        session.lab.feed_metrics(sess.aws, name, w.metrics, storage or 20)
    return w


def metrics_snapshot(session: Session, name: str, window: str = "1h") -> metrics.Snapshot:
    return watcher(session, name).refresh(window)


# Alarms -------------------------------------------------------------------------------------------


def alarm_states(session: Session, name: str) -> list[alarms.AlarmState]:
    """The stack's own alarms (verified by its identity: a look-alike's are not shown)."""
    ledger = _ledger(session, name)
    return alarms.states(_sess(session, ledger).aws, name, Identity.of_ledger(ledger))


def alarms_on(session: Session, name: str) -> list[alarms.AlarmState]:
    """Put the stack's alarms (recover on a failed system check, CPU credits low, DB storage low),
    once the instance and database they watch (and act on) are verified as the stack's own."""
    ledger = _ledger(session, name)
    sess = _sess(session, ledger)
    from hostwiz.provisioners.collisions import Collision

    from .operate import refuse_unless_owned
    from .stacks import put_alarms

    with ledger.lock("alarms on"):
        refuse_unless_owned(sess, ledger, which=("instance", "database"))
        try:
            put_alarms(sess, name, ledger, ev.ignore)
        except Collision as err:
            raise UserError(f"{err.field}: {err}; nothing was changed", BAD_INPUT) from None
    return alarms.states(sess.aws, name, Identity.of_ledger(ledger))


def alarms_off(session: Session, name: str, on_event: ev.Callback = ev.ignore) -> Outcome:
    """Delete the stack's own alarms; a look-alike's (same name, not this stack's identity) stay."""
    ledger = _ledger(session, name)
    sess = _sess(session, ledger)
    with ledger.lock("alarms off"):
        outcome = alarms.delete(sess.aws, name, Identity.of_ledger(ledger), on_event, settings=session.deletion)
        for e in ledger.entries():
            if e.kind == "cloudwatch-alarm":
                ledger.deleted(e.step)
        ledger.update(alarms=False)
    return outcome


# Everything status shows --------------------------------------------------------------------------


@dataclass
class Watched:
    health: Health | None = None
    cost: spend.Spend | None = None
    alarms: list[alarms.AlarmState] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"health": self.health.as_dict() if self.health else None,
                "cost_so_far": self.cost.as_dict() if self.cost else None,
                "alarms": [{"key": a.key, "name": a.name, "state": a.state, "reason": a.reason} for a in self.alarms],
                "notes": self.notes}


def watched(session: Session, name: str, *, probe: bool = True) -> Watched:
    """Health, cost so far and alarm states for `status` (each part fails on its own)."""
    out = Watched()
    if probe:
        out.health = health(session, name)
    out.cost = cost_so_far(session, name)
    if out.cost is None:
        out.notes.append(no_cost_note(_ledger(session, name)))
    try:
        out.alarms = alarm_states(session, name)
    except Exception as err:  # noqa: BLE001 - a missing permission must not hide the rest
        out.notes.append(f"alarms: {err}")
    ledger = _ledger(session, name)
    db = ledger.entry("database")
    if ledger.get("status") == "stopped" and db and db.id:
        live_db = operate.kind("rds-instance").describe(_sess(session, ledger).aws, db.id)
        if live_db and live_db.get("DBInstanceStatus") in ("available", "starting"):
            out.notes.append(f"the database was started again by AWS (stopped databases restart after 7 days); "
                             f"'hostwiz stop {name}' stops it again")
    return out
