"""The account's AWS plan: accounts made since July 2025 may be on the free plan, which refuses
what it cannot pay for (AWS answers FreeTierRestrictionError for a backup retention over one day or
a DB class beyond micro, and refuses instance types that are not free-tier eligible).

The plan comes from the Free Tier API (`freetier` GetAccountPlanState, in botocore's models since
2025; global, served from us-east-1). When the API cannot be asked (older accounts, no permission,
GovCloud or China, an endpoint that does not know it) the plan is "unknown" and nothing is restricted:
AWS's own refusal still names the problem. `HOSTWIZ_ACCOUNT_PLAN=FREE|PAID` says it instead of
asking (`=unknown`: never ask; the test suite's plain moto sets this, moto has no Free Tier API).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .aws import Aws, error_code

FREE_DB_CLASSES = ("db.t3.micro", "db.t4g.micro")
FREE_RETENTION_DAYS = 1
PAID_RETENTION_DAYS = 7


@dataclass
class AccountPlan:
    kind: str  # "FREE", "PAID" or "unknown"
    why: str  # in the operator's words
    free_instance_types: list[str] = field(default_factory=list)

    @property
    def free(self) -> bool:
        return self.kind == "FREE"

    @property
    def backup_retention(self) -> int:
        return FREE_RETENTION_DAYS if self.free else PAID_RETENTION_DAYS

    def instance_type_problem(self, instance_type: str) -> str:
        if not self.free or instance_type in self.free_instance_types:
            return ""
        return (f"{instance_type} is not free-tier eligible, and {self.why}; pick one of "
                f"{', '.join(self.free_instance_types) or 't3.micro'}, or upgrade the account plan")

    def db_class_problem(self, db_class: str) -> str:
        if not self.free or db_class in FREE_DB_CLASSES:
            return ""
        return f"{db_class} is not available on AWS's free plan ({self.why}); pick {' or '.join(FREE_DB_CLASSES)}"


def account_plan(aws: Aws) -> AccountPlan:
    """The account's plan, asked once per `Aws` (its clones share the answer)."""
    cache = aws._shared
    if "account_plan" not in cache:
        cache["account_plan"] = _ask(aws)
    return cache["account_plan"]


def _ask(aws: Aws) -> AccountPlan:
    told = os.environ.get("HOSTWIZ_ACCOUNT_PLAN", "").upper()
    if told in ("FREE", "PAID"):  # the operator says (the API unreachable, or a test on plain moto)
        return AccountPlan(told, f"HOSTWIZ_ACCOUNT_PLAN says the account is on the {told.lower()} plan",
                           free_instance_types(aws) if told == "FREE" else [])
    if told:
        return AccountPlan("unknown", "HOSTWIZ_ACCOUNT_PLAN says not to ask")
    if aws.region.startswith(("us-gov-", "cn-", "us-iso")):
        return AccountPlan("unknown", "the Free Tier API is not offered in this partition")
    try:
        state = aws.client("freetier", region="us-east-1").get_account_plan_state()
    except Exception as err:
        return AccountPlan("unknown", f"the account plan could not be read ({error_code(err) or type(err).__name__})")
    kind = state.get("accountPlanType") or "unknown"
    if kind != "FREE":
        return AccountPlan(kind, "the account is on a paid plan")
    credits = state.get("accountPlanRemainingCredits") or {}
    left = f", {credits['amount']:.0f} {credits.get('unit', 'USD')} of credits left" if "amount" in credits else ""
    why = f"this account is on AWS's free plan{left}"
    return AccountPlan("FREE", why, free_instance_types(aws))


def free_instance_types(aws: Aws) -> list[str]:
    pages = aws.client("ec2").get_paginator("describe_instance_types").paginate(
        Filters=[{"Name": "free-tier-eligible", "Values": ["true"]}])
    return sorted({t["InstanceType"] for page in pages for t in page["InstanceTypes"]})
