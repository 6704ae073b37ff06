"""Small helpers the kind modules share: timestamps, names, network interfaces.

("Already gone" handling is on `Kind`: `gone`, `unless_gone`, `present`, `listed`.)
"""

from __future__ import annotations

from typing import Any


def stamp(value: Any) -> str:
    """A creation time as ISO 8601 text ("" when AWS gives none)."""
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float)):  # epoch seconds or milliseconds
        from datetime import datetime, timezone

        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, timezone.utc).isoformat()
    return str(value)


def name_of(tags: dict[str, str], fallback: str = "") -> str:
    return tags.get("Name") or fallback


def interfaces_in(aws: Any, filter_name: str, value: str) -> list[str]:
    """Network interfaces still in a VPC or subnet, with their owner: what keeps it from going."""
    enis = aws.client("ec2").describe_network_interfaces(
        Filters=[{"Name": filter_name, "Values": [value]}])["NetworkInterfaces"]
    out = []
    for eni in enis:
        owner = (eni.get("Attachment") or {}).get("InstanceId") or eni.get("Description") or ""
        out.append(f"{eni['NetworkInterfaceId']} ({owner})" if owner else eni["NetworkInterfaceId"])
    return out
