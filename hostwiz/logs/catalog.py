"""Log source names (`--source` or a screen) and how to read them; `hostwiz.services.logs`
builds the sources of a stack from these names.

Names: the instance's `bootstrap`, `cloud-init`, `nginx-access`, `nginx-error`, `app`; `rds` or
`rds:TEXT` (the database's log files, those whose name contains TEXT); `cw:GROUP` or
`cw:GROUP:STREAM-PREFIX` (any CloudWatch Logs group).
"""

from __future__ import annotations

INSTANCE = ("bootstrap", "cloud-init", "nginx-access", "nginx-error", "app")
DEFAULT = ("bootstrap", "cloud-init", "app")


class SourceNameError(ValueError):
    pass


def parse_since(text: str, now: float) -> float:
    """`30s`, `10m`, `2h`, `1d` ago (or plain seconds) as seconds since the epoch."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        amount = float(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration: write it like 30s, 10m, 2h or 1d") from None
    if amount < 0:
        raise ValueError("a duration cannot be negative")
    return now - amount * units[unit]


def check_name(name: str) -> str:
    """`name` if it is a source name hostwiz understands, else a SourceNameError saying what is."""
    if name in INSTANCE or name == "rds" or name.startswith("rds:"):
        return name
    if name.startswith("cw:") and name[3:].split(":", 1)[0]:
        return name
    raise SourceNameError(f"unknown log source {name!r}: use one of {', '.join(INSTANCE)}, "
                          "rds[:NAME-PART] or cw:LOG-GROUP[:STREAM-PREFIX]")
