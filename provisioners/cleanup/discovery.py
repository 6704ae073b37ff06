"""Discovery: every kind in every region asked at once on worker threads, with progress.

A kind that cannot be listed (a service not offered in a region, access denied) is reported
and skipped; it does not stop the others. Afterwards resources learn the VPC they sit in
from their subnets or DB subnet group, so that selecting a VPC brings in all of them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hostwiz import events as ev

from ..aws import Aws, error_code
from ..deletion import GLOBAL
from ..engine import describe_error
from ..registry import KINDS, Resource, load_all


@dataclass
class Discovery:
    resources: list[Resource] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # "region/kind" -> what went wrong
    default_vpcs: set[tuple[str, str]] = field(default_factory=set)  # (region, vpc id): never cleaned up


def discover_all(aws: Aws, regions: list[str], kinds: list[str] | None = None, on_event: ev.Callback = ev.ignore,
                 *, workers: int = 16, include_global: bool = True) -> Discovery:
    """Every kind (or `kinds`) in `regions`; account-wide kinds (IAM, Route53) only with `include_global`."""
    load_all()
    names = sorted(k for k in (kinds or KINDS)
                   if include_global or not (getattr(KINDS[k], "account_wide", False) and k != "s3-bucket"))
    jobs = [(GLOBAL if getattr(KINDS[k], "account_wide", False) else r, k) for k in names
            for r in ([regions[0]] if getattr(KINDS[k], "account_wide", False) else regions)]
    clients = {r: aws if r in (GLOBAL, aws.region) else aws.with_region(r) for r in {aws.region, *regions}}
    out = Discovery()
    done = 0

    def one(job: tuple[str, str]) -> tuple[str, list[Resource], str | None]:
        region, name = job
        step = f"discover:{region}/{name}"
        for attempt in (1, 2):
            try:
                return step, list(KINDS[name].list(clients.get(region, aws))), None
            except Exception as err:
                # An AWS answer (AccessDenied, a service not in this region) is final; a fault with no
                # AWS error code (a dropped connection, a local error) gets one more read-only try.
                if attempt == 2 or error_code(err) is not None:
                    return step, [], describe_error(err)
        raise AssertionError("unreachable")

    on_event(ev.Event(ev.RUN_STARTED, message=f"looking for {len(names)} kinds of resource in {', '.join(regions)}",
                      data={"total": len(jobs)}))
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="hostwiz-discover") as pool:
        for step, found, error in pool.map(one, jobs):
            done += 1
            label = KINDS[step.rsplit("/", 1)[1]].label
            if error:
                out.errors[step.removeprefix("discover:")] = error
                on_event(ev.Event(ev.FAILED, step, label, error, data={"done": done, "total": len(jobs)}))
                continue
            out.resources += [r for r in found if r.region in regions or r.region == GLOBAL]
            on_event(ev.Event(ev.DONE, step, label, f"{len(found)} found", data={"done": done, "total": len(jobs)}))
    for region in regions:  # the default VPC is never listed as a resource, but what is in it must be known
        try:
            vpcs = clients.get(region, aws).client("ec2").describe_vpcs(
                Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
            out.default_vpcs |= {(region, v["VpcId"]) for v in vpcs}
        except Exception as err:
            out.errors[f"{region}/default-vpc"] = describe_error(err)
    locate(out.resources)
    return out


def locate(resources: list[Resource]) -> None:
    """Give resources that only know their subnets (or DB subnet group) their VPC."""
    subnet_vpc = {r.id: r.data.get("vpc_id") for r in resources if r.kind == "subnet"}
    group_vpc = {r.id: r.data.get("vpc_id") for r in resources if r.kind == "db-subnet-group"}
    for r in resources:
        if r.data.get("vpc_id"):
            continue
        subnets = r.data.get("subnets") or ([r.data["subnet_id"]] if r.data.get("subnet_id") else [])
        vpc = next((subnet_vpc[s] for s in subnets if s in subnet_vpc), None) or \
            group_vpc.get(r.data.get("subnet_group") or "")
        if vpc:
            r.data["vpc_id"] = vpc
