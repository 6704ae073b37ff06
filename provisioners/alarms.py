"""The stack's optional alarms: EC2's recover action on a failed system status check (the
standard single-instance safety net), CPU credits running out on a burstable instance, and the
database's free storage running low.

`plan(...)` says which alarms a stack gets; `create(aws, stack, run_id, alarms, ledger)` puts
them (tagged like every resource of the stack, its identity `hostwiz:id` and role included, intent
in the ledger first); `states(aws, stack, identity)` lists them with their state for the detail
screen; `delete(aws, stack, identity)` removes them through the deletion waves (teardown does the
same, `cloudwatch-alarm` being among its kinds). Only alarms the stack owns
(`ownership.why_not_owned`) are listed or deleted: another stack of the same name, or a look-alike
with copied tags, keeps its alarms.

`put_metric_alarm` overwrites an alarm of the same name: creating again is harmless for the
stack's own alarms, and `create` refuses (a `Collision`) when the name is held by an alarm the
stack does not own, before it puts any.
Status-check metrics come every minute at no charge; the recover action needs an EBS-backed
instance of a type that supports it (t3, m5, c5... do; instance-store types do not).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from hostwiz import events as ev
from hostwiz.ledger import Ledger

from .aws import Aws, tags
from .collisions import Collision
from .deletion import DeletionSettings, Outcome, delete_resources
from .kinds.cloudwatch_alarm import KEYS, CloudWatchAlarm, alarm_name
from .metrics import burstable
from .ownership import ID_TAG, ROLE_TAG, Identity, split, why_not_owned

RECOVER, CPU_CREDITS, DB_STORAGE = KEYS  # "instance-recover", "cpu-credits-low", "db-storage-low"
GiB = 1024 ** 3


def recover_action(region: str) -> str:
    return f"arn:aws:automate:{region}:ec2:recover"


@dataclass(frozen=True)
class Alarm:
    key: str  # RECOVER | CPU_CREDITS | DB_STORAGE
    name: str
    description: str
    params: dict[str, Any]  # put_metric_alarm's arguments besides name and tags


@dataclass(frozen=True)
class AlarmState:
    key: str
    name: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    reason: str
    updated: str
    actions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def firing(self) -> bool:
        return self.state == "ALARM"


def plan(stack: str, region: str, *, instance_id: str | None = None, instance_type: str = "",
         db_instance_id: str | None = None, db_storage_gb: float | None = None,
         recover: bool = True, cpu_credits: bool = True, db_storage: bool = True,
         notify: list[str] | None = None, credits_below: float = 10, free_storage_ratio: float = 0.1) -> list[Alarm]:
    """The alarms this stack gets. `notify`: SNS topic ARNs told when an alarm fires."""
    notify = list(notify or [])
    out: list[Alarm] = []
    if instance_id and recover:
        out.append(Alarm(RECOVER, alarm_name(stack, RECOVER),
                         f"hostwiz {stack}: recover {instance_id} onto healthy hardware when AWS's system "
                         "status check fails for 2 minutes (same ID, addresses and volumes; memory is lost)", {
                             "Namespace": "AWS/EC2", "MetricName": "StatusCheckFailed_System",
                             "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                             "Statistic": "Maximum", "Period": 60, "EvaluationPeriods": 2, "DatapointsToAlarm": 2,
                             "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                             "TreatMissingData": "missing", "AlarmActions": [recover_action(region), *notify]}))
    if instance_id and cpu_credits and burstable(instance_type):
        out.append(Alarm(CPU_CREDITS, alarm_name(stack, CPU_CREDITS),
                         f"hostwiz {stack}: {instance_id} ({instance_type}) has almost no CPU credits left "
                         "and is being throttled to its baseline; a bigger or non-burstable type helps", {
                             "Namespace": "AWS/EC2", "MetricName": "CPUCreditBalance",
                             "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                             "Statistic": "Minimum", "Period": 300, "EvaluationPeriods": 3, "DatapointsToAlarm": 3,
                             "Threshold": float(credits_below), "ComparisonOperator": "LessThanThreshold",
                             "TreatMissingData": "notBreaching", "AlarmActions": notify}))
    if db_instance_id and db_storage and db_storage_gb:
        threshold = float(db_storage_gb) * GiB * free_storage_ratio
        out.append(Alarm(DB_STORAGE, alarm_name(stack, DB_STORAGE),
                         f"hostwiz {stack}: database {db_instance_id} has less than {free_storage_ratio:.0%} of its "
                         f"{db_storage_gb:g} GB free; when it is full the database stops accepting writes", {
                             "Namespace": "AWS/RDS", "MetricName": "FreeStorageSpace",
                             "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": db_instance_id}],
                             "Statistic": "Minimum", "Period": 300, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
                             "Threshold": threshold, "ComparisonOperator": "LessThanThreshold",
                             "TreatMissingData": "notBreaching", "AlarmActions": notify}))
    return out


def step_of(a: Alarm) -> str:
    """The alarm's ledger step, and its `hostwiz:role` tag."""
    return f"alarm-{a.key}"


def taken(aws: Aws, stack: str, alarms: list[Alarm], identity: Identity | None) -> list[tuple[str, str]]:
    """Field-level problems: names of `alarms` held by an alarm the stack does not own
    (`put_metric_alarm` would overwrite it)."""
    wanted = {a.name for a in alarms}
    out = []
    for r in CloudWatchAlarm().list(aws, names=sorted(wanted)):
        if r.id in wanted and (why := why_not_owned(r, identity)):
            out.append(("monitoring.alarms", f"the CloudWatch alarm {r.id} already exists ({why}); hostwiz does "
                        "not overwrite it: delete it yourself or choose another stack name"))
    return out


def create(aws: Aws, stack: str, run_id: str, alarms: list[Alarm], ledger: Ledger | None = None, *,
           identity: Identity | None = None) -> list[str]:
    """Put each alarm, tagged with the stack's tags and identity; returns their names. The identity
    is the ledger's unless given. Refuses (`Collision`, nothing put) when a name is held by an alarm
    the stack does not own."""
    ident = identity or (Identity.of_ledger(ledger) if ledger is not None else None)
    if ident is None or not ident.id:
        raise ValueError(f"stack {stack} has no identity ({ID_TAG}) to tag its alarms with")
    problems = taken(aws, stack, alarms, ident)
    if problems:
        raise Collision(*problems[0])
    cw = aws.client("cloudwatch")
    names = []
    for a in alarms:
        step = step_of(a)
        if ledger is not None:
            ledger.intent(step, CloudWatchAlarm.name, name=a.name)
        cw.put_metric_alarm(AlarmName=a.name, AlarmDescription=a.description, ActionsEnabled=True,
                            Tags=tags(stack, run_id, a.name, **{ROLE_TAG: step, ID_TAG: ident.id}), **a.params)
        if ledger is not None:
            ledger.created(step, CloudWatchAlarm.name, a.name, name=a.name)
        names.append(a.name)
    return names


def states(aws: Aws, stack: str, identity: Identity | None) -> list[AlarmState]:
    """The stack's own alarms (found by tag, verified by its identity) with their state, in a stable order."""
    prefix = alarm_name(stack, "")
    mine, _ = split(CloudWatchAlarm().find_stack(aws, stack), identity)
    out = [AlarmState(r.id[len(prefix):], r.id, r.data.get("state") or "INSUFFICIENT_DATA",
                      r.data.get("reason", ""), r.data.get("updated", ""), tuple(r.data.get("actions", [])))
           for r in mine]
    return sorted(out, key=lambda s: s.name)


def delete(aws: Aws, stack: str, identity: Identity | None, on_event: ev.Callback = ev.ignore, *,
           settings: DeletionSettings | None = None, cancel: threading.Event | None = None) -> Outcome:
    """Remove the stack's own alarms (found by tag, verified by its identity) through the deletion
    waves; look-alikes are left and named in `outcome.skipped`."""
    mine, others = split(CloudWatchAlarm().find_stack(aws, stack), identity)
    for r in mine:
        r.reason = f"tagged hostwiz:stack={stack}, hostwiz:id={identity.id if identity else ''}"
    outcome = delete_resources(aws, mine, on_event, settings=settings, cancel=cancel)
    outcome.skipped = others  # type: ignore[attr-defined]
    return outcome
