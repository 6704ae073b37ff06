"""Single-stack reads benchmark (issue 18): AWS calls and wall time of `hostwiz status NAME` (the
detail screen loads the same), the teardown plan and adopt's plan for one stack, and of the home
list (`list_stacks`), with 1, 20 and 100 stacks in the account; before and after the by-name reads.

    python bench/reads.py [--levels 1,20,100] [--records 0,1000,5000] [--latency 0.03] [--runs 3] [--json]

moto runs in its own process on loopback; every call waits `--latency` seconds (the latency model of
the cleanup benchmark). The stack read is `blog`, made by `hostwiz up` (database, domain, www); the
other stacks are made with plain boto3 calls, named and tagged as `up` makes them
(`tests/reads/account.py`). "before" is the code as it was, in the same process on the same account:
every kind listed and filtered by tag (`Kind.find_stack`: a ListRoleTags per role under /hostwiz/, a
tags call per DB subnet group, every zone's records), and the home list's serial check of every
tagged stack, ledger-known ones included. Medians of `--runs`.

Then adopt's plan again with `--records` more DNS records (someone else's hosts) in the stack's zone:
before, every record of the zone is listed (a page per 300); after, the stack's records are read by
the names its Elastic IP's `hostwiz:dns` tag gives, one call each.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.reads.account
sys.path.insert(0, str(ROOT / "bench"))  # for motoproc

SPEC = {"name": "blog", "region": "us-east-1",
        "domain": {"name": "blog.example.com", "hosted_zone": "example.com", "www": True},
        "instance": {"type": "t3.micro", "os": "ubuntu-24.04", "volume_gb": 20, "ssh_cidr": "203.0.113.7/32"},
        "runtime": {"kind": "docker", "app_port": 3000, "tls": True},
        "database": {"engine": "postgres", "instance_class": "db.t3.micro", "storage_gb": 20}}


def old_tagged_stack_names(aws, known=frozenset()):
    """The home list's discovery as it was: serial pages of 50, a serial existence check per stack."""
    from hostwiz.provisioners import tagging as tagging_api
    from hostwiz.services.stacks import IGNORED_ARN_PARTS, STACK_TAG

    tagging = aws.client("resourcegroupstaggingapi")
    arns: dict[str, list[str]] = {}
    for page in tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": STACK_TAG}]):
        for m in page["ResourceTagMappingList"]:
            if any(part in m["ResourceARN"] for part in IGNORED_ARN_PARTS):
                continue
            for t in m.get("Tags", []):
                if t["Key"] == STACK_TAG:
                    arns.setdefault(t["Value"], []).append(m["ResourceARN"])
    return {name for name, found in arns.items() if any(tagging_api.exists(aws, arn) for arn in found)}


class Before:
    """The reads as they were (see the module docstring), for the length of a `with`."""

    def __enter__(self):
        from hostwiz.provisioners.registry import Kind, load_all
        from hostwiz.services import stacks

        self.saved = {type(k): type(k).__dict__.get("find_named") for k in load_all().values()}
        for cls in self.saved:
            cls.find_named = Kind.find_named  # None: every kind listed by find_stack
        self.names = stacks.tagged_stack_names
        stacks.tagged_stack_names = old_tagged_stack_names
        return self

    def __exit__(self, *exc):
        from hostwiz.services import stacks

        for cls, fn in self.saved.items():
            if fn is None:
                del cls.find_named
            else:
                cls.find_named = fn
        stacks.tagged_stack_names = self.names


def measure(session, elsewhere, model, runs: int) -> dict:
    from hostwiz.services import stacks
    from hostwiz.services.session import quick_session

    other = quick_session(elsewhere, endpoint_url=session.aws.endpoint_url, zone=None)
    other.aws.hooks.extend(session.aws.hooks)
    reads = {"status": lambda: stacks.status(session, "blog"),
             "plan_down": lambda: stacks.plan_down(session, "blog"),
             "plan_adopt": lambda: stacks.plan_adopt(other, "blog"),
             "list_stacks": lambda: stacks.list_stacks(session)}
    out = {}
    for what, read in reads.items():
        walls, calls = [], []
        read()  # warm: this thread's clients made, the ledger read once
        for _ in range(runs):
            model.calls.clear()
            t = time.monotonic()
            read()
            walls.append(time.monotonic() - t)
            calls.append(model.total_calls)
        out[what] = {"calls": int(median(calls)), "wall_s": round(median(walls), 3)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="1,20,100")
    ap.add_argument("--records", default="0,1000,5000", help="more DNS records in the zone, for adopt's plan")
    ap.add_argument("--latency", type=float, default=0.03, help="seconds added to every API call")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                       "HOSTWIZ_ACCOUNT_PLAN": "unknown"})
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(var, None)
    from hostwiz import secrets
    from hostwiz.sandbox import prepare_amis, quiet_moto

    secrets.use_memory_keyring()
    prepare_amis(Path(tempfile.mkdtemp(prefix="hostwiz-bench-amis-")))
    quiet_moto()
    from motoproc import moto_endpoint

    with moto_endpoint("server") as endpoint:
        from hostwiz import spec as specmod
        from hostwiz.sandbox.latency import LatencyModel
        from hostwiz.services import stacks
        from hostwiz.services.session import quick_session
        from tests.reads.account import add_records, add_stacks

        model = LatencyModel()
        model.per_call = 0.0
        tmp = Path(tempfile.mkdtemp(prefix="hostwiz-bench-reads-"))
        session = quick_session(tmp / "state", endpoint_url=endpoint, hooks=model.hooks())
        spec = specmod.validate(SPEC)
        result = stacks.up(session, spec, spec.instance.ssh_cidr)
        assert result.ok, result.error
        rows, have = [], 1
        for level in levels:
            add_stacks(session.aws, [f"other{i:03d}" for i in range(have, level)])
            have = max(have, level)
            model.per_call = args.latency
            with Before():
                before = measure(session, tmp / f"elsewhere-b{level}", model, args.runs)
            after = measure(session, tmp / f"elsewhere-a{level}", model, args.runs)
            model.per_call = 0.0
            rows.append({"stacks": level, "before": before, "after": after})
            if not args.json:
                for what in after:
                    b, a = before[what], after[what]
                    print(f"{level:>4} stacks  {what:<12} before {b['calls']:>4} calls {b['wall_s']:>7.3f} s   "
                          f"after {a['calls']:>4} calls {a['wall_s']:>7.3f} s", flush=True)
        adopt_rows, added = [], 0
        for extra in [int(x) for x in args.records.split(",")]:
            add_records(session.aws, extra - added, prefix=f"host{extra}-")
            added = max(added, extra)
            model.per_call = args.latency
            other = quick_session(tmp / f"adopt-{extra}", endpoint_url=endpoint, zone=None)
            other.aws.hooks.extend(session.aws.hooks)
            row = {"records": extra}
            for label in ("before", "after"):
                model.calls.clear()
                t = time.monotonic()
                if label == "before":
                    with Before():
                        plan = stacks.plan_adopt(other, "blog")
                else:
                    plan = stacks.plan_adopt(other, "blog")
                row[label] = {"calls": model.total_calls, "wall_s": round(time.monotonic() - t, 3),
                              "records": sorted(r.name for r in plan.resources if r.kind == "route53-record")}
            model.per_call = 0.0
            adopt_rows.append(row)
            if not args.json:
                print(f"adopt's plan, {extra:>5} more records in the zone: before {row['before']['calls']:>4} calls "
                      f"{row['before']['wall_s']:>7.3f} s   after {row['after']['calls']:>4} calls "
                      f"{row['after']['wall_s']:>7.3f} s", flush=True)
        out = {"latency_s": args.latency, "runs": args.runs, "cpus": os.cpu_count(), "rows": rows,
               "adopt_records": adopt_rows}
        if args.json:
            print(json.dumps(out))
        else:
            print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
