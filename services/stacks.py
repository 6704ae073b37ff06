"""The stack use cases both front ends call: prepare_up, up, rollback, plan_down, down, status,
list_stacks, adopt.

Each takes a `Session` (AWS access, state dir, timing) and, where work is long, a plain event
callback; each returns a plain result. None prints and none knows about a terminal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostwiz import costs, plan, secrets
from hostwiz import events as ev
from hostwiz.errors import BAD_INPUT, UserError, describe_error
from hostwiz.ledger import Ledger, all_stacks, new_run_id
from hostwiz.provisioners import dns, preflight, teardown
from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.deletion import Outcome
from hostwiz.provisioners.engine import Engine, RunResult
from hostwiz.provisioners.registry import STACK_TAG, Resource
from hostwiz.provisioners.stack import Env, StackBuilder
from hostwiz.spec import StackSpec

from hostwiz.sandbox import SANDBOX_OPERATOR_CIDR

from .session import Session




# Before up ------------------------------------------------------------------------


@dataclass
class OperatorAddress:
    cidr: str  # "" when it could not be found
    how: str   # where it came from, or why it is unknown, in the operator's words


def operator_address(session: Session) -> OperatorAddress:
    """Where the operator connects from: the default SSH source of a new stack."""
    if session.sandbox:
        return OperatorAddress(SANDBOX_OPERATOR_CIDR, "the sandbox's SSH hosts listen on this machine")
    from hostwiz.netinfo import NoPublicIp, detect_public_ip

    try:
        return OperatorAddress(detect_public_ip(), "your public address, as seen by checkip.amazonaws.com")
    except NoPublicIp as err:
        return OperatorAddress("", f"could not detect your address ({err})")


@dataclass
class UpPlan:
    """What `up` would do with a spec, before anything is created."""

    spec: StackSpec
    ssh_cidr: str
    problems: list[tuple[str, str]]  # (field, message), like the spec's own validation
    resources: list[tuple[str, str]]  # (what, detail), from `hostwiz.plan.resources`
    cost: costs.Estimate

    @property
    def ok(self) -> bool:
        return not self.problems


def prepare_up(session: Session, spec: StackSpec, ssh_cidr: str | None = None) -> UpPlan:
    """Everything `up` checks and shows before it creates anything: the SSH source (the spec's,
    else the one given, else the operator's address), the preflight against AWS (instance type
    offered, hosted zone and foreign DNS records, default VPC), what will be made and its cost."""
    cidr = spec.instance.ssh_cidr or ssh_cidr or ""
    problems: list[tuple[str, str]] = []
    if not cidr:
        found = operator_address(session)
        cidr = found.cidr
        if not cidr:
            problems.append(("instance.ssh_cidr", f"{found.how}; set ssh_cidr (your address as /32)"))
    try:
        problems += preflight.check(session.for_region(spec.region).aws, spec)
    except Exception as err:  # AWS refused or failed a read: nothing was created, say why
        raise UserError(f"could not check the spec with AWS before creating anything: {describe_error(err)}") from None
    return UpPlan(spec, cidr, problems, plan.resources(spec, cidr), costs.estimate(spec))


@dataclass
class UpResult:
    ok: bool
    run: RunResult
    outputs: dict[str, Any]
    rollback: Outcome | None = None
    error: str = ""


def stack_outputs(spec: StackSpec, outs: dict[str, dict[str, Any]], key_file: str | None = None) -> dict[str, Any]:
    ip = outs.get("eip", {}).get("public_ip")
    host = spec.domain.name if spec.domain else ip
    scheme = "https" if spec.runtime.tls else "http"
    result = {
        "instance_id": outs.get("instance", {}).get("instance_id"),
        "public_ip": ip,
        "url": f"{scheme}://{host}/" if host else None,
        "ssh_user": spec.instance.os.ssh_user,
        "key_file": outs.get("key-pair", {}).get("key_file", key_file),
    }
    if result["key_file"] and ip:
        result["ssh_command"] = f"ssh -i {result['key_file']} {spec.instance.os.ssh_user}@{ip}"
    if "database-available" in outs:
        result["db_endpoint"] = outs["database-available"].get("endpoint")
        result["db_port"] = outs["database-available"].get("port")
        result["db_url_parameter"] = outs.get("database-url", {}).get("parameter")
    return result


def up(session: Session, spec: StackSpec, ssh_cidr: str, on_event: ev.Callback = ev.ignore, *,
       keep_on_failure: bool = False, cancel: threading.Event | None = None) -> UpResult:
    """Create (or resume) a stack. On failure roll back this run's resources unless told to keep them."""
    sess = session.for_region(spec.region)
    ledger = Ledger(session.state_dir, spec.name)
    with ledger.lock("up"):
        status = ledger.get("status")
        run_id = ledger.get("run_id") if status in ("creating", "failed", "ready") else None
        run_id = run_id or new_run_id()
        resumed = status in ("creating", "failed")
        was_ready = status == "ready"  # re-running up on a finished stack must never tear it down
        ledger.update(name=spec.name, region=spec.region, run_id=run_id, status="creating",
                      spec=spec.to_toml_dict(), sandbox=session.sandbox)
        on_event(ev.Event(ev.RUN_STARTED, message=("resuming" if resumed else "creating") + f" stack {spec.name}",
                          data={"run_id": run_id, "resumed": resumed}))
        no_keyring = secrets.keyring_problem()
        if no_keyring:  # headless: say where the secrets are kept instead (never a plaintext fallback)
            on_event(ev.Event(ev.NOTICE, message=f"warning: {no_keyring}; the SSH key is kept only in "
                              f"{secrets.key_path(session.state_dir, spec.name)} (0600)" +
                              (", the database password only in SSM (SecureString)" if spec.database else "")))
        env = Env(sess.aws, ledger, spec, run_id, session.state_dir, ssh_cidr, session.timing, session.user_data)
        engine = Engine(StackBuilder(env).steps(), on_event, max_workers=session.max_workers, cancel=cancel)
        run = engine.run()
        if run.ok:
            outputs = stack_outputs(spec, run.outputs)
            ledger.update(status="ready", outputs=outputs)
            on_event(ev.Event(ev.RUN_FINISHED, message=f"stack {spec.name} is ready", data=outputs))
            return UpResult(True, run, outputs)
        error = "cancelled" if run.cancelled and not run.failed else \
            "; ".join(f"{step}: {describe_error(err)}" for step, err in run.failed.items())
        ledger.update(status="failed", error=error)
        result = UpResult(False, run, stack_outputs(spec, run.outputs), error=error)
        if not keep_on_failure and not was_ready:
            result.rollback = _rollback_locked(sess, spec.name, ledger, run_id, on_event)
        on_event(ev.Event(ev.RUN_FINISHED, message=f"stack {spec.name} failed: {error}",
                          data={"ok": False, "rolled_back": result.rollback is not None}))
        return result


def rollback(session: Session, name: str, on_event: ev.Callback = ev.ignore) -> Outcome:
    """Remove what the stack's current run made (after a kept failure or a cancel)."""
    ledger = Ledger(session.state_dir, name)
    sess = session.for_region(ledger.get("region") or session.aws.region)
    with ledger.lock("rollback"):
        return _rollback_locked(sess, name, ledger, ledger.get("run_id"), on_event)


def _rollback_locked(session: Session, name: str, ledger: Ledger, run_id: str | None,
                     on_event: ev.Callback) -> Outcome:
    on_event(ev.Event(ev.ROLLBACK_STARTED, message=f"rolling back what this run of {name} created"))
    p = teardown.plan(session.aws, name, ledger, final_snapshot=False, run_id=run_id)
    outcome = teardown.execute(session.aws, p, ledger, on_event, settings=session.deletion)
    if outcome.ok:
        _forget_local(session.state_dir, name)
        ledger.remove()
    else:
        ledger.update(status="rollback-incomplete")
    return outcome


def _forget_local(state_dir: Path, name: str) -> None:
    secrets.key_path(state_dir, name).unlink(missing_ok=True)
    secrets.forget(secrets.ssh_key_account(name))
    secrets.forget(secrets.db_password_account(name))
    pins = state_dir / "known_hosts" / f"{name}.json"
    pins.unlink(missing_ok=True)


def plan_down(session: Session, name: str, *, final_snapshot: bool = True, for_deletion: bool = True) -> teardown.Plan:
    """What `down` would delete now. For a deletion the plan is made under the stack's lock, so
    a teardown planned while an `up` is still creating fails fast naming the holder, instead of
    planning a half-made stack (or "nothing left")."""
    ledger = Ledger(session.state_dir, name)
    sess = session.for_region(ledger.get("region") or session.aws.region)

    def make() -> teardown.Plan:
        return teardown.plan(sess.aws, name, ledger if ledger.exists else None, final_snapshot=final_snapshot)

    if not for_deletion:
        return make()
    with ledger.lock("down (planning)"):
        return make()


def down(session: Session, p: teardown.Plan, on_event: ev.Callback = ev.ignore, *,
         cancel: threading.Event | None = None) -> Outcome:
    ledger = Ledger(session.state_dir, p.stack)
    sess = session.for_region(ledger.get("region") or session.aws.region)
    with ledger.lock("down"):
        if ledger.exists:
            ledger.update(status="deleting")
        outcome = teardown.execute(sess.aws, p, ledger if ledger.exists else None, on_event,
                                   settings=session.deletion, cancel=cancel)
        if outcome.ok:
            _forget_local(session.state_dir, p.stack)
            ledger.remove()
        elif ledger.exists:
            ledger.update(status="delete-incomplete", error="; ".join(f"{x.resource.id}: {x.error}" for x in outcome.left))
        return outcome


@dataclass
class KeptSnapshot:
    """A final database snapshot that a teardown kept on purpose (it is billed until deleted)."""

    id: str
    region: str
    size_gb: float
    monthly: float

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "region": self.region, "size_gb": self.size_gb, "monthly": round(self.monthly, 2)}


def kept_snapshots(session: Session, p: teardown.Plan) -> list[KeptSnapshot]:
    """The final snapshots the teardown of `p` left in AWS (by the database's identifier)."""
    if not p.final_snapshot:
        return []
    out = []
    for r in p.resources:
        if r.kind != "rds-instance":
            continue
        rds = session.for_region(r.region or session.aws.region).aws.client("rds")
        snaps = rds.describe_db_snapshots(DBInstanceIdentifier=r.id, SnapshotType="manual")["DBSnapshots"]
        for snap in snaps:
            if snap["DBSnapshotIdentifier"].startswith(f"{r.id}-final-"):
                size = float(snap.get("AllocatedStorage") or 0)
                region = r.region or session.aws.region
                out.append(KeptSnapshot(snap["DBSnapshotIdentifier"], region, size,
                                        costs.resource_monthly("db-snapshot", region, {"size_gb": size})))
    return out


# Status --------------------------------------------------------------------------


class UnknownStack(UserError):
    """Neither the ledger nor the tags know the stack: the same words and exit 2 from every command."""

    def __init__(self, name: str, state_dir: Path):
        super().__init__(f"no stack named {name!r} (ledger: {state_dir}); 'hostwiz status' lists the stacks",
                         BAD_INPUT)


def require_stack(session: Session, name: str, *, tags: bool = True) -> str:
    """Where the stack is known: "ledger" (no AWS call) or, with `tags`, "tags" (one tagging API
    call in the session's region: `status` and `down` can work from tags alone, `ssh` and `logs`
    cannot); UnknownStack, with the same words for every command, when neither knows it."""
    if Ledger(session.state_dir, name).exists:
        return "ledger"
    if tags and tagged(session.aws, name):
        return "tags"
    raise UnknownStack(name, session.state_dir)


def tagged(aws: Aws, name: str) -> bool:
    """Whether anything live in this region carries `hostwiz:stack=name` (one cheap call)."""
    from botocore.exceptions import ClientError

    try:
        tagging = aws.client("resourcegroupstaggingapi")
        for page in tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": STACK_TAG, "Values": [name]}]):
            if any(not any(p in m["ResourceARN"] for p in IGNORED_ARN_PARTS) for m in page["ResourceTagMappingList"]):
                return True
        return False
    except ClientError:  # no tagging API (permissions, an endpoint without it): its security group tells
        groups = aws.client("ec2").describe_security_groups(
            Filters=[{"Name": f"tag:{STACK_TAG}", "Values": [name]}])["SecurityGroups"]
        return bool(groups)


@dataclass
class StackSummary:
    name: str
    region: str
    status: str
    source: str  # "ledger" or "tags" (found in AWS, unknown to the ledger)
    outputs: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "region": self.region, "status": self.status, "source": self.source,
                "outputs": self.outputs}


def list_stacks(session: Session, *, discover: bool = True) -> list[StackSummary]:
    out = {}
    for ledger in all_stacks(session.state_dir):
        out[ledger.name] = StackSummary(ledger.name, ledger.get("region", ""), ledger.get("status", "?"), "ledger",
                                        ledger.get("outputs") or {}, ledger.get("spec") or {})
    if discover:
        for name in tagged_stack_names(session.aws):
            if name not in out:
                out[name] = StackSummary(name, session.aws.region, "found by tags", "tags")
    return sorted(out.values(), key=lambda s: s.name)


# Terminated instances stay listed (with their tags) for a while after a teardown, and a final
# DB snapshot is kept on purpose: neither means a live stack. (A live instance always has its
# security group, which cannot go before it, so the stack is still found.)
IGNORED_ARN_PARTS = (":instance/", ":snapshot:")


def tagged_stack_names(aws: Aws) -> set[str]:
    """Stacks that have resources tagged in this region (the ledger may not know them)."""
    tagging = aws.client("resourcegroupstaggingapi")
    names: set[str] = set()
    try:
        for page in tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": STACK_TAG}]):
            for m in page["ResourceTagMappingList"]:
                if any(part in m["ResourceARN"] for part in IGNORED_ARN_PARTS):
                    continue
                names.update(t["Value"] for t in m.get("Tags", []) if t["Key"] == STACK_TAG)
    except Exception:
        ec2 = aws.client("ec2")
        for g in ec2.describe_security_groups(Filters=[{"Name": "tag-key", "Values": [STACK_TAG]}])["SecurityGroups"]:
            names.update(t["Value"] for t in g.get("Tags", []) if t["Key"] == STACK_TAG)
    return names


def stack_resources(session: Session, name: str) -> list[Resource]:
    """The stack's resources as they are now (read-only: works while another command holds the lock)."""
    return plan_down(session, name, for_deletion=False).resources


def adopt(session: Session, name: str) -> StackSummary:
    """Start a ledger for a stack found only by its tags (so it shows up and can be managed)."""
    ledger = Ledger(session.state_dir, name)
    found = stack_resources(session, name)
    runs = {r.tags.get("hostwiz:run") for r in found if r.tags.get("hostwiz:run")}
    for r in found:
        step = r.tags.get("hostwiz:role") or f"{r.kind}:{r.id}"
        ledger.created(step, r.kind, r.id, **{k: v for k, v in r.data.items() if isinstance(v, (str, int, bool))})
    ip = next((r.data.get("public_ip") for r in found if r.kind == "elastic-ip"), None)
    iid = next((r.id for r in found if r.kind == "ec2-instance"), None)
    ledger.update(name=name, region=session.aws.region, status="adopted", run_id=sorted(runs)[0] if runs else None,
                  outputs={"public_ip": ip, "instance_id": iid})
    return StackSummary(name, session.aws.region, "adopted", "ledger", ledger.get("outputs"))


@dataclass
class StackStatus:
    name: str
    region: str
    status: str
    outputs: dict[str, Any]
    resources: list[Resource]
    found: bool
    dns: list[str] = field(default_factory=list)  # per name: does it point at the stack yet, in plain words

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "region": self.region, "status": self.status, "outputs": self.outputs,
                "resources": [r.as_dict() for r in self.resources], "dns": self.dns}


def status(session: Session, name: str) -> StackStatus:
    """One stack: its ledger's view and its resources as they are now."""
    ledger = Ledger(session.state_dir, name)
    region = ledger.get("region") or session.aws.region
    sess = session.for_region(region)
    resources = stack_resources(sess, name)
    # The sandbox's names are not real: it asks Route53 only, never an outside resolver.
    names = dns.stack_check(sess.aws, ledger, public=not session.sandbox) if ledger.exists else []
    return StackStatus(name, region, ledger.get("status", "found by tags"), ledger.get("outputs") or {},
                       resources, ledger.exists or bool(resources), [n.summary for n in names])
