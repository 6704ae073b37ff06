"""The operator's public IP address, for the default SSH rule."""

from __future__ import annotations

import ipaddress
import urllib.request

CHECK_URL = "https://checkip.amazonaws.com/"


class NoPublicIp(Exception):
    pass


def detect_public_ip(timeout: float = 4.0, url: str = CHECK_URL) -> str:
    """This machine's public address as a /32 (or /128); NoPublicIp with the reason if unknown."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (fixed https URL)
            text = resp.read(64).decode().strip()
    except OSError as err:
        raise NoPublicIp(f"could not ask {url} ({err.__class__.__name__}: {err})") from None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise NoPublicIp(f"{url} answered {text[:40]!r}, which is not an IP address") from None
    if not ip.is_global:
        raise NoPublicIp(f"{url} answered {ip}, which is not a public address")
    return f"{ip}/{ip.max_prefixlen}"
