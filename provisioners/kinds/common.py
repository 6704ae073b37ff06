"""Small helpers the kind modules share: "already gone" handling and timestamps."""

from __future__ import annotations

from typing import Any, Callable

from ..aws import error_code


def unless_gone(gone: tuple[str, ...], fn: Callable[..., Any], **kw: Any) -> Any:
    """Call `fn(**kw)`; an error that means "already gone" returns None instead."""
    try:
        return fn(**kw)
    except Exception as err:
        if error_code(err) in gone:
            return None
        raise


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


def listed(gone: tuple[str, ...], key: str, fn: Callable[..., Any], **kw: Any) -> bool:
    """Does a describe-by-ID call still list something under `key`? (NotFound counts as no.)"""
    return bool((unless_gone(gone, fn, **kw) or {}).get(key))


def interfaces_in(aws: Any, filter_name: str, value: str) -> list[str]:
    """Network interfaces still in a VPC or subnet, with their owner: what keeps it from going."""
    enis = aws.client("ec2").describe_network_interfaces(
        Filters=[{"Name": filter_name, "Values": [value]}])["NetworkInterfaces"]
    out = []
    for eni in enis:
        owner = (eni.get("Attachment") or {}).get("InstanceId") or eni.get("Description") or ""
        out.append(f"{eni['NetworkInterfaceId']} ({owner})" if owner else eni["NetworkInterfaceId"])
    return out
