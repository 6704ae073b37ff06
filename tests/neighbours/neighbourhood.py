"""Adversarial neighbours on moto (issue 12): resources hostwiz did not make, shaped to fool it.

`Watch` records every AWS call any hostwiz `Aws` makes (CLI runs included); `Neighbours` remembers
the foreign resources a test made, snapshots them (tags and attributes, by plain describes through
hostwiz's kinds) and proves afterwards that each is exactly as it was and that no mutating call
named any of them.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from hostwiz.provisioners.aws import Aws, is_mutating

# Attributes that change by themselves (or by moto's clock) and say nothing about being touched.
VOLATILE = {"launch_time", "created", "stored_bytes", "status", "state"}


@dataclass
class Watch:
    """Every call through any `Aws` made while installed: (operation, params)."""

    calls: list[tuple[str, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hook(self, params: dict, model: Any, **_: Any) -> None:
        with self.lock:
            self.calls.append((model.name, json.loads(json.dumps(params, default=str))))

    def mutating_naming(self, ids: set[str]) -> list[tuple[str, dict]]:
        """Mutating calls with a parameter value that is (or ends with) one of `ids`."""
        def values(obj: Any):
            if isinstance(obj, dict):
                for v in obj.values():
                    yield from values(v)
            elif isinstance(obj, list):
                for v in obj:
                    yield from values(v)
            else:
                yield str(obj)

        hits = []
        for op, params in list(self.calls):
            if is_mutating(op) and any(v in ids or any(v.endswith(sep + i) for i in ids for sep in "/:")
                                       for v in values(params)):
                hits.append((op, params))
        return hits


def install_watch(monkeypatch) -> Watch:
    watch = Watch()
    real = Aws.__post_init__

    def post_init(self: Aws) -> None:
        real(self)
        if ("provide-client-params", watch.hook) not in self.hooks:
            self.hooks.append(("provide-client-params", watch.hook))

    monkeypatch.setattr(Aws, "__post_init__", post_init)
    return watch


@dataclass
class Neighbours:
    """The foreign resources of one test, by key ("region/kind/id"), and their state at the start."""

    aws: Aws
    regions: list[str] = field(default_factory=lambda: ["us-east-1"])
    keys: set[str] = field(default_factory=set)
    before: dict[str, Any] = field(default_factory=dict)

    def add(self, kind: str, rid: str, region: str = "us-east-1") -> str:
        key = f"{region}/{kind}/{rid}"
        self.keys.add(key)
        return key

    def snapshot(self) -> dict[str, Any]:
        from hostwiz.provisioners.cleanup.discovery import discover_all

        found = discover_all(self.aws, self.regions)
        assert not found.errors, found.errors
        out = {}
        for r in found.resources:
            if r.key in self.keys:
                out[r.key] = {"name": r.name, "tags": dict(r.tags),
                              "data": {k: v for k, v in r.data.items() if k not in VOLATILE}}
        return out

    def freeze(self, watch: Watch | None = None) -> "Neighbours":
        """Remember the neighbours as they are; the watch starts counting calls from here."""
        if watch is not None:
            with watch.lock:
                watch.calls.clear()
        self.before = self.snapshot()
        missing = self.keys - set(self.before)
        assert not missing, f"the test's neighbours were not all made: {missing}"
        return self

    @property
    def ids(self) -> set[str]:
        return {k.split("/", 2)[2] for k in self.keys}

    def assert_untouched(self, watch: Watch | None = None) -> int:
        """Every neighbour exactly as it was; no mutating call named one. Returns how many were checked."""
        after = self.snapshot()
        gone = sorted(set(self.before) - set(after))
        assert not gone, f"foreign resources deleted: {gone}"
        changed = {k: (self.before[k], after[k]) for k in self.before if self.before[k] != after[k]}
        assert not changed, f"foreign resources changed: {changed}"
        if watch is not None:
            hits = watch.mutating_naming(self.ids)
            assert not hits, f"mutating calls named foreign resources: {hits[:5]}"
        figures = os.environ.get("HOSTWIZ_NEIGHBOURS_FIGURES")
        if figures:  # docs/reliability.md's shared-account matrix: foreign resources checked per case
            with open(figures, "a", encoding="utf-8") as out:
                out.write(json.dumps({"test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
                                      "foreign": len(self.before), "touched": 0,
                                      "calls": len(watch.calls) if watch else None}) + "\n")
        return len(self.before)


# Look-alike names: leftovers whose names only *start* like a prefix the operator gives cleanup.
LOOK_ALIKE_TAILS = ("x", "2", "ger")  # hostwiz-blogx-..., hostwiz-blog2-..., hostwiz-blogger-...
GENUINE_SEPARATORS = ("-", "_", ".")


def look_alikes(aws: Aws, neighbours: Neighbours, prefix: str) -> set[tuple[str, str]]:
    """Beside `prefix`'s genuine leftovers (the name itself, and the prefix followed by a separator),
    neighbours named like it without a separator (`<prefix>x-...`): VPCs (Name tag), buckets, IAM
    roles, key pairs, queues. The neighbours are added to `neighbours`; returns the genuine
    leftovers as (kind, name), which a cleanup by `prefix` must take, and nothing else."""
    ec2, s3, iam = (aws.client(s) for s in ("ec2", "s3", "iam"))

    def vpc(name: str, octet: int) -> str:
        return ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}])["Vpc"]["VpcId"]

    for i, tail in enumerate(LOOK_ALIKE_TAILS):
        other = f"{prefix}{tail}"
        neighbours.add("vpc", vpc(f"{other}-vpc", 200 + i))
        s3.create_bucket(Bucket=f"{other}-uploads")
        neighbours.add("s3-bucket", f"{other}-uploads")
        iam.create_role(RoleName=f"{other}-instance", AssumeRolePolicyDocument="{}")
        neighbours.add("iam-role", f"{other}-instance", "global")
        neighbours.add("key-pair", ec2.create_key_pair(KeyName=other)["KeyPairId"])
    ec2.create_key_pair(KeyName=prefix)
    vpc(f"{prefix}-vpc", 210)
    genuine = {("key-pair", prefix), ("vpc", f"{prefix}-vpc")}
    for sep in GENUINE_SEPARATORS:
        iam.create_role(RoleName=f"{prefix}{sep}ci", AssumeRolePolicyDocument="{}")
        genuine.add(("iam-role", f"{prefix}{sep}ci"))
        if sep != "_":  # a bucket name has no underscore
            s3.create_bucket(Bucket=f"{prefix}{sep}uploads")
            genuine.add(("s3-bucket", f"{prefix}{sep}uploads"))
    return genuine
