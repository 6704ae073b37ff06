"""Instance type facts for the wizard: vCPUs and memory (DescribeInstanceTypes)."""

from __future__ import annotations

from dataclasses import dataclass

from .aws import Aws


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpus: int
    memory_gib: float


def instance_types(aws: Aws, names: list[str]) -> dict[str, InstanceType]:
    """Facts for the named types (100 per call, the API's limit); unknown names are left out."""
    ec2 = aws.client("ec2")
    out: dict[str, InstanceType] = {}
    for i in range(0, len(names), 100):
        for t in ec2.describe_instance_types(InstanceTypes=names[i:i + 100])["InstanceTypes"]:
            out[t["InstanceType"]] = InstanceType(t["InstanceType"], t["VCpuInfo"]["DefaultVCpus"],
                                                  t["MemoryInfo"]["SizeInMiB"] / 1024)
    return out
