"""The stack use cases both front ends call: prepare_up, up, rollback, plan_down, down, status,
list_stacks, adopt.

Each takes a `Session` (AWS access, state dir, timing) and, where work is long, a plain event
callback; each returns a plain result. None prints and none knows about a terminal.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostwiz import costs, plan, secrets
from hostwiz import events as ev
from hostwiz.errors import BAD_INPUT, UserError, describe_error
from hostwiz.ledger import Ledger, LedgerUnwritable, all_stacks, new_run_id, new_stack_id
from hostwiz.provisioners import dns, preflight, teardown
from hostwiz.provisioners import tagging as tagging_api
from hostwiz.provisioners.account import account_plan
from hostwiz.provisioners.collisions import Collision
from hostwiz.provisioners.aws import Aws, error_code, throttled
from hostwiz.provisioners.deletion import Outcome
from hostwiz.provisioners.engine import Engine, RunResult
from hostwiz.provisioners.ownership import Identity, now_text
from hostwiz.provisioners.registry import STACK_TAG, Resource
from hostwiz.provisioners.stack import Env, StackBuilder
from hostwiz.spec import NAME_RE, StackSpec

from hostwiz.sandbox import SANDBOX_OPERATOR_CIDR

from .session import Session, throttled_error




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
    notes: list[str] = field(default_factory=list)  # what the account changes (AWS's free plan), in words

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
    aws = session.for_region(spec.region).aws
    ledger = Ledger(session.state_dir, spec.name)
    try:
        problems += preflight.check(aws, spec, Identity.of_ledger(ledger) if ledger.exists else None)
    except Exception as err:  # AWS refused or failed a read: nothing was created, say why
        raise UserError(f"could not check the spec with AWS before creating anything: {describe_error(err)}") from None
    notes = []
    if spec.database and (acct := account_plan(aws)).free:
        notes.append(f"{acct.why}: the database keeps {acct.backup_retention} day of automated backups "
                     "(the free plan's most)")
    return UpPlan(spec, cidr, problems, plan.resources(spec, cidr), costs.estimate(spec), notes)


@dataclass
class UpResult:
    ok: bool
    run: RunResult
    outputs: dict[str, Any]
    rollback: Outcome | None = None
    error: str = ""
    app: Any = None  # services.deploy.DeployOutcome when the spec's [app] was deployed
    app_error: str = ""  # why it was not (the stack itself is ready)
    app_log_tail: str = ""


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
       keep_on_failure: bool = False, cancel: threading.Event | None = None, app_base: Path | None = None) -> UpResult:
    """Create (or resume) a stack. On failure roll back this run's resources unless told to keep them.
    With `[app]` in the spec, once the stack is ready: wait for the bootstrap and deploy the app
    (its directory relative to `app_base`); a failed deploy leaves the stack ready (`app_error`)."""
    sess = session.for_region(spec.region)
    ledger = Ledger(session.state_dir, spec.name)
    with ledger.lock("up"):
        status = ledger.get("status")
        run_id = ledger.get("run_id") if status in ("creating", "failed", "ready") else None
        run_id = run_id or new_run_id()
        resumed = status in ("creating", "failed")
        was_ready = status == "ready"  # re-running up on a finished stack must never tear it down
        started = _utc_now()
        account = sess.aws.identity()["account"]
        _same_place(ledger, account, spec.region)
        try:  # the stack's identity: given once, at its first intent, and tagged on everything
            ledger.update(name=spec.name, region=spec.region, run_id=run_id, status="creating",
                          spec=spec.to_toml_dict(), sandbox=session.sandbox, account=account,
                          stack_id=ledger.get("stack_id") or new_stack_id(), since=ledger.get("since") or now_text())
        except LedgerUnwritable as err:
            raise UserError(f"{err.strerror}; nothing was created. Free some space (or fix the state dir) "
                            "and run again.") from None
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
            result = UpResult(True, run, outputs)
            if not ledger.power_history():  # billing began with this run: cost so far counts from here
                ledger.power("running", at=started)
            if spec.monitoring and spec.monitoring.alarms:
                try:
                    put_alarms(sess, spec.name, ledger, on_event)
                except Collision as err:  # an alarm of that name is not the stack's: left alone, the stack is ready
                    on_event(ev.Event(ev.NOTICE, message=f"alarms: not put: {err}"))
            if spec.app is not None:
                _deploy_app(session, spec, app_base, on_event, cancel, result)
            on_event(ev.Event(ev.RUN_FINISHED, message=f"stack {spec.name} is ready" +
                              (f"; the app did not deploy: {result.app_error}" if result.app_error else ""),
                              data=outputs))
            return result
        error = "cancelled" if run.cancelled and not run.failed else \
            "; ".join(f"{step}: {describe_error(err)}" for step, err in run.failed.items())
        ledger.tolerant = True  # from here on, a ledger that cannot be written must not stop the rollback
        ledger.update(status="failed", error=error)
        result = UpResult(False, run, stack_outputs(spec, run.outputs), error=error)
        if not keep_on_failure and not was_ready:
            result.rollback = _rollback_locked(sess, spec.name, ledger, run_id, on_event)
        if ledger.unsaved:
            on_event(ev.Event(ev.NOTICE, message=f"warning: {ledger.unsaved}; what this run did is reported "
                              "here instead"))
        on_event(ev.Event(ev.RUN_FINISHED, message=f"stack {spec.name} failed: {error}",
                          data={"ok": False, "rolled_back": result.rollback is not None}))
        return result


def _deploy_app(session: Session, spec: StackSpec, base: Path | None, on_event: ev.Callback,
                cancel: threading.Event | None, result: UpResult) -> None:
    """The spec's [app], deployed under the lock `up` holds (services/deploy.py)."""
    from hostwiz.errors import UserError

    from . import deploy as shipping

    try:
        result.app = shipping.deploy_spec_app(session, spec, base, on_event, cancel=cancel, lock=False)
        if result.app.url:
            result.outputs = {**result.outputs, "app_url": result.app.url}
    except Exception as err:  # noqa: BLE001 - the stack is ready whatever happened to the app
        result.app_error = str(err) if isinstance(err, UserError) else describe_error(err)
        result.app_log_tail = getattr(err, "log_tail", "")
        on_event(ev.Event(ev.NOTICE, message=f"app: not deployed: {result.app_error}"))


def put_alarms(session: Session, name: str, ledger: Ledger, on_event: ev.Callback) -> None:
    from hostwiz.provisioners import alarms

    outputs, spec, db = ledger.get("outputs") or {}, ledger.get("spec") or {}, ledger.entry("database")
    planned = alarms.plan(name, session.aws.region, instance_id=outputs.get("instance_id"),
                          instance_type=(spec.get("instance") or {}).get("type", ""),
                          db_instance_id=db.id if db else None,
                          db_storage_gb=(spec.get("database") or {}).get("storage_gb"))
    alarms.create(session.aws, name, ledger.get("run_id") or "", planned, ledger)
    ledger.update(alarms=True)
    on_event(ev.Event(ev.NOTICE, message=f"alarms: {', '.join(a.key for a in planned)}"))


def _utc_now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def rollback(session: Session, name: str, on_event: ev.Callback = ev.ignore) -> Outcome:
    """Remove what the stack's current run made (after a kept failure or a cancel)."""
    ledger = Ledger(session.state_dir, name)
    sess = session.for_region(ledger.get("region") or session.aws.region)
    with ledger.lock("rollback"):
        return _rollback_locked(sess, name, ledger, ledger.get("run_id"), on_event)


def _rollback_locked(session: Session, name: str, ledger: Ledger, run_id: str | None,
                     on_event: ev.Callback) -> Outcome:
    on_event(ev.Event(ev.ROLLBACK_STARTED, message=f"rolling back what this run of {name} created"))
    ledger.tolerant = True
    p = teardown.plan(session.aws, name, ledger, final_snapshot=False, run_id=run_id,
                      grace=session.deletion.visibility_grace * session.deletion.patience_scale)
    _say_skipped(p, on_event)
    outcome = teardown.execute(session.aws, p, ledger, on_event, settings=session.deletion)
    outcome.skipped = p.skipped  # type: ignore[attr-defined]
    if outcome.ok:
        _forget_local(session.state_dir, name, on_event)
        ledger.remove()
    else:
        ledger.update(status="rollback-incomplete")
    return outcome


def _say_skipped(p: teardown.Plan, on_event: ev.Callback) -> None:
    for r, why in p.skipped:
        on_event(ev.Event(ev.NOTICE, message=f"left alone: {r.kind} {r.id} ({why})"))


def _forget_local(state_dir: Path, name: str, on_event: ev.Callback = ev.ignore) -> list[str]:
    """Remove the stack's key file, keyring entries and pins; what could not be removed is
    reported (a locked keyring), never raised after the AWS side is already gone."""
    problems = []
    secrets.key_path(state_dir, name).unlink(missing_ok=True)
    for account in (secrets.ssh_key_account(name), secrets.db_password_account(name)):
        try:
            secrets.forget(account)
        except Exception as err:  # keyring.errors.KeyringLocked, a D-Bus failure...
            problems.append(f"could not remove {account} from the keyring ({err.__class__.__name__}: {err}); "
                            "remove it with your keyring tool")
    pins = state_dir / "known_hosts" / f"{name}.json"
    pins.unlink(missing_ok=True)
    for p in problems:
        on_event(ev.Event(ev.NOTICE, message=f"warning: {p}"))
    return problems


def _same_place(ledger: Ledger, account: str, region: str | None = None) -> None:
    """A ledger is bound to the account (and region) it was made in: refuse, never forget, elsewhere."""
    if not ledger.exists:
        return
    mine = ledger.get("account")
    if mine and mine != account:
        raise UserError(f"stack {ledger.name}'s ledger was made in AWS account {mine}, but these credentials are "
                        f"for account {account}; nothing was changed and the ledger is kept. Use the profile of "
                        f"account {mine}.", BAD_INPUT)
    if region and ledger.get("region") and ledger.get("region") != region:
        raise UserError(f"stack {ledger.name} lives in {ledger.get('region')}, not {region}; nothing was changed "
                        f"and the ledger is kept. Drop --region (or use {ledger.get('region')}).", BAD_INPUT)


def _refused(err: BaseException, what: str) -> UserError:
    """An AWS refusal to read (AccessDenied...) as one message, instead of a traceback; persistent
    throttling is said as such (waiting helps, permissions do not)."""
    if throttled(err):
        return throttled_error(err, what)
    return UserError(f"AWS refused to {what}: {describe_error(err)}; nothing was changed. Check the "
                     "credentials' permissions (hostwiz needs to describe what it manages).")


def _plan(sess: Session, name: str, ledger: Ledger | None, **kw: Any) -> teardown.Plan:
    try:
        return teardown.plan(sess.aws, name, ledger, **kw)
    except Exception as err:
        if error_code(err) is None:
            raise
        raise _refused(err, f"list stack {name}'s resources") from None


def plan_down(session: Session, name: str, *, final_snapshot: bool = True, for_deletion: bool = True,
              region: str | None = None) -> teardown.Plan:
    """What `down` would delete now: only resources verified as the stack's own; the rest found
    under its name is in `plan.skipped` with the reason. Without a ledger here a deletion plan takes
    nothing (tags can be copied: a second `down` must not take a neighbour's look-alike); the
    operator adopts the stack first. A ledger made in another account (or, with
    `region` given explicitly, another region) is refused with a UserError, never forgotten. For a
    deletion the plan is made under the stack's lock, so a teardown planned while an `up` is still
    creating fails fast naming the holder, instead of planning a half-made stack (or "nothing left")."""
    ledger = Ledger(session.state_dir, name)
    sess = session.for_region(ledger.get("region") or session.aws.region)
    if ledger.exists and ledger.get("account"):
        try:
            account = sess.aws.identity()["account"]
        except Exception as err:
            raise _refused(err, "say which account these credentials belong to") from None
        _same_place(ledger, account, region)

    def make() -> teardown.Plan:
        return _plan(sess, name, ledger if ledger.exists else None, final_snapshot=final_snapshot,
                     from_tags=not for_deletion, grace=session.deletion.visibility_grace * session.deletion.patience_scale)

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
        ledger.tolerant = True
        _say_skipped(p, on_event)
        outcome = teardown.execute(sess.aws, p, ledger if ledger.exists else None, on_event,
                                   settings=session.deletion, cancel=cancel)
        outcome.skipped = p.skipped  # type: ignore[attr-defined]
        if outcome.ok:
            _forget_local(session.state_dir, p.stack, on_event)
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
        made = r.data.get("final_snapshot_id")  # this teardown's; else (deleting already) any final one
        for snap in snaps:
            sid = snap["DBSnapshotIdentifier"]
            if (sid == made) if made else sid.startswith(f"{r.id}-final-"):
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
        for name in tagged_stack_names(session.aws, known=set(out)):
            # a tag value hostwiz could never have made is no stack of hostwiz's (anyone can tag:
            # 'ev[/]il' ended the TUI at start, read as markup)
            if name not in out and NAME_RE.match(name):
                out[name] = StackSummary(name, session.aws.region, "found by tags", "tags")
    return sorted(out.values(), key=lambda s: s.name)


# Terminated instances stay listed (with their tags) for a while after a teardown, and a final
# DB snapshot is kept on purpose: neither means a live stack. (A live instance always has its
# security group, which cannot go before it, so the stack is still found.)
IGNORED_ARN_PARTS = (":instance/", ":snapshot:")


def tagged_stack_names(aws: Aws, known: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    """Stacks that have resources tagged in this region (the ledger may not know them). Names in
    `known` (the ledger's) are left out without checking that their resources exist; the others are
    confirmed by one describe of their security groups, and those without a live group by a
    describe per resource, in parallel."""
    tagging = aws.client("resourcegroupstaggingapi")
    names: set[str] = set()
    try:
        arns: dict[str, list[str]] = {}
        pages = tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": STACK_TAG}], ResourcesPerPage=100)
        for page in pages:
            for m in page["ResourceTagMappingList"]:
                if any(part in m["ResourceARN"] for part in IGNORED_ARN_PARTS):
                    continue
                for t in m.get("Tags", []):
                    if t["Key"] == STACK_TAG:
                        arns.setdefault(t["Value"], []).append(m["ResourceARN"])
        # the tagging API lists deleted resources for a while: a stack counts once one of them is there
        unknown = [name for name in arns if name not in known]

        def live(name: str) -> bool:
            return any(tagging_api.exists(aws, arn) for arn in arns[name])

        groups = tagging_api.live_security_groups(aws, [arn for name in unknown for arn in arns[name]])
        names = {name for name in unknown if any(arn in groups for arn in arns[name])}
        rest = [name for name in unknown if name not in names]
        if rest:
            with ThreadPoolExecutor(max_workers=min(8, len(rest)), thread_name_prefix="hostwiz-tagged") as pool:
                names |= {name for name, ok in zip(rest, pool.map(live, rest)) if ok}
    except Exception:
        ec2 = aws.client("ec2")
        for g in ec2.describe_security_groups(Filters=[{"Name": "tag-key", "Values": [STACK_TAG]}])["SecurityGroups"]:
            names.update(t["Value"] for t in g.get("Tags", []) if t["Key"] == STACK_TAG)
    return names


def stack_resources(session: Session, name: str) -> list[Resource]:
    """The stack's resources as they are now (read-only: works while another command holds the lock)."""
    return plan_down(session, name, for_deletion=False).resources


@dataclass
class AdoptPlan:
    """What `adopt` would take over: the stack found by its tags (made from another state dir or
    machine), the identity it carries, and what was found under its name but is not part of it."""

    name: str
    region: str
    stack_id: str | None
    resources: list[Resource]
    skipped: list[tuple[Resource, str]] = field(default_factory=list)
    problem: str = ""  # why it cannot be adopted (nothing found, several ids, a local ledger already)

    @property
    def ok(self) -> bool:
        return not self.problem and bool(self.resources)

    def lines(self) -> list[str]:
        if self.problem:
            return [self.problem]
        out = [f"Adopting stack {self.name} (id {self.stack_id}) in {self.region} takes over "
               f"{len(self.resources)} resource(s):"]
        out += [f"  {r.kind:<18} {r.id:<40} {r.name if r.name != r.id else ''}" for r in self.resources]
        out += [f"  not taken: {r.kind} {r.id} ({why})" for r, why in self.skipped]
        return out


def plan_adopt(session: Session, name: str, stack_id: str | None = None) -> AdoptPlan:
    """Which stack named `name` the tags show, and what adopting it would take over (read-only)."""
    from hostwiz.provisioners.ownership import ids_in_tags, tag_identity

    ledger = Ledger(session.state_dir, name)
    region = session.aws.region
    if ledger.exists:
        return AdoptPlan(name, region, ledger.get("stack_id"), [], problem=(
            f"stack {name} already has a ledger here; nothing to adopt"))
    p = _plan(session, name, None, final_snapshot=False)
    candidates = ids_in_tags(p.resources + [r for r, _ in p.skipped], name)
    if stack_id is None and len(candidates) > 1:
        return AdoptPlan(name, region, None, [], problem=(
            f"several stacks named {name} carry different ids ({', '.join(sorted(candidates))}); "
            "say which one to adopt"))
    sid = stack_id or next(iter(candidates), None)
    if sid is None:
        return AdoptPlan(name, region, None, [], [(r, why) for r, why in p.skipped],
                         problem=f"no resource in {region} carries a hostwiz identity for stack {name}")
    if sid != p.stack_id:
        p = _plan(session, name, None, final_snapshot=False, identity=tag_identity(name, sid))
    # A role filled twice (a copy launched "like this"): the oldest is the stack's, the others are not taken.
    by_role: dict[tuple[str, str], list[Resource]] = {}
    for r in p.resources:
        by_role.setdefault((r.kind, r.tags.get("hostwiz:role") or r.id), []).append(r)
    taken, skipped = [], list(p.skipped)
    for group in by_role.values():
        group.sort(key=lambda r: str(r.data.get("created") or ""))
        taken.append(group[0])
        skipped += [(r, f"a second {r.kind} with the same role as {group[0].id}: a copy") for r in group[1:]]
    return AdoptPlan(name, region, sid, taken, skipped)


def adopt(session: Session, name: str, plan: AdoptPlan | None = None) -> StackSummary:
    """Start a ledger for a stack found only by its tags (so it shows up and can be managed):
    exactly the resources of `plan` (made by `plan_adopt` and shown to the operator)."""
    plan = plan or plan_adopt(session, name)
    if not plan.ok:
        raise UserError(plan.problem or f"nothing to adopt for stack {name}", BAD_INPUT)
    ledger = Ledger(session.state_dir, name)
    found = plan.resources
    runs = {r.tags.get("hostwiz:run") for r in found if r.tags.get("hostwiz:run")}
    account = session.aws.identity()["account"]
    created = sorted(str(r.data.get("created")) for r in found if r.data.get("created"))
    ledger.update(stack_id=plan.stack_id, account=account, since=created[0] if created else None)
    for r in found:
        step = r.tags.get("hostwiz:role") or _adopted_step(r)
        ledger.created(step, r.kind, r.id, **{k: v for k, v in r.data.items() if isinstance(v, (str, int, bool))})
        if r.kind == "ec2-instance" and r.data.get("client_token"):
            ledger.doc.setdefault("tokens", {})["instance"] = r.data["client_token"]
    ip = next((r.data.get("public_ip") for r in found if r.kind == "elastic-ip"), None)
    iid = next((r.id for r in found if r.kind == "ec2-instance"), None)
    ledger.update(name=name, region=session.aws.region, status="adopted", run_id=sorted(runs)[0] if runs else None,
                  outputs={"public_ip": ip, "instance_id": iid})
    return StackSummary(name, session.aws.region, "adopted", "ledger", ledger.get("outputs"))


def _adopted_step(r: Resource) -> str:
    """The ledger step of a resource without a role tag: a DNS record's is `dns:NAME`, as `up` names
    it (so the domain can be changed later), anything else's its kind and ID."""
    return f"dns:{r.data['record']}" if r.kind == "route53-record" and r.data.get("record") else f"{r.kind}:{r.id}"


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
