"""Host key pins: read from the instance's console output, stored per instance ID, checked
on every connection. Nothing here trusts a host key it has not been told about.

Pins live in `<state dir>/known_hosts/<stack>.json` as `{host id: ["type base64", ...]}`
(the host id is an instance ID, or `host:port` for a bastion given by address); teardown
deletes the file with the stack.

`PinPolicy` is what paramiko's `SSHClient` calls for every host (hostwiz never loads a
known_hosts file into the client, so every key goes through it): a pinned key is accepted,
a different key is refused with an explanation, and an unpinned key is accepted only when
the console output carries it or the operator confirms its fingerprint. No policy that
accepts unknown keys is ever installed (a test checks every `set_missing_host_key_policy`
call). paramiko is imported lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from hostwiz.ledger import atomic_write

BEGIN, END = "-----BEGIN SSH HOST KEY KEYS-----", "-----END SSH HOST KEY KEYS-----"
_BLOCK = re.compile(re.escape(BEGIN) + r"(.*?)" + re.escape(END), re.S)


class ConnectFailed(Exception):
    """No path reached the host; `attempts` says what each path tried and why it failed."""

    def __init__(self, message: str, attempts: list | None = None):
        super().__init__(message)
        self.attempts = attempts or []


class ConnectCancelled(ConnectFailed):
    """Raised by a progress or confirm callback whose caller has gone (a closed screen): stops
    every path at once."""


class HostKeyRefused(ConnectFailed):
    """Connecting was refused because the host key is not verified. Never retried elsewhere
    (callers that retry, like a log tail, should stop on it)."""


class HostKeyMismatch(HostKeyRefused):
    pass


class HostKeyUnverified(HostKeyRefused):
    pass


def fingerprint(key_type: str, blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint, as `ssh-keygen -l` prints it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def key_line(key: Any) -> str:
    """'type base64' of a paramiko PKey."""
    return f"{key.get_name()} {key.get_base64()}"


def line_fingerprint(line: str) -> str:
    key_type, b64 = line.split()[:2]
    return fingerprint(key_type, base64.b64decode(b64))


def decode_console(output: str | None) -> str:
    """EC2 returns console output base64-encoded; some emulators return it plain."""
    if not output:
        return ""
    try:
        text = base64.b64decode(output, validate=True).decode("utf-8", "replace")
        return text if BEGIN in text or "\n" in text else output
    except (binascii.Error, ValueError):
        return output


def parse_console_keys(output: str | None) -> list[str]:
    """The host keys ('type base64') in the last BEGIN/END SSH HOST KEY KEYS block, or []."""
    blocks = _BLOCK.findall(decode_console(output))
    if not blocks:
        return []
    keys = []
    for raw in blocks[-1].splitlines():
        parts = raw.strip().split()
        if len(parts) >= 2 and (parts[0].startswith(("ssh-", "ecdsa-", "sk-"))):
            try:
                base64.b64decode(parts[1], validate=True)
            except (binascii.Error, ValueError):
                continue
            keys.append(f"{parts[0]} {parts[1]}")
    return keys


_PIN_LOCK = threading.Lock()  # one for every PinStore: two stores on one file must not lose a pin


class PinStore:
    """The pinned host keys of one stack, by host id. Thread-safe, atomic writes, mode 0600."""

    def __init__(self, state_dir: Path, stack: str):
        self.path = Path(state_dir) / "known_hosts" / f"{stack}.json"
        self._lock = _PIN_LOCK

    def _read(self) -> dict[str, list[str]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get(self, host_id: str) -> list[str]:
        with self._lock:
            return list(self._read().get(host_id, []))

    def pin(self, host_id: str, lines: list[str]) -> None:
        with self._lock:
            doc = self._read()
            doc[host_id] = sorted(set(lines))
            atomic_write(self.path, json.dumps(doc, indent=2, sort_keys=True))


Confirm = Callable[[str, str, str], bool]
"""confirm(host label, key type, fingerprint) -> True when the operator accepts the key."""


def refuse(label: str, key_type: str, fp: str) -> bool:
    return False


@dataclass
class PinPolicy:
    """paramiko MissingHostKeyPolicy (duck-typed: `missing_host_key(client, hostname, key)`).

    `console_keys` is called only when nothing is pinned yet; it returns the host keys the
    instance printed to its console (possibly after waiting for them), or [] when it did not.
    """

    pins: PinStore
    host_id: str
    label: str
    console_keys: Callable[[], list[str]] = lambda: []
    confirm: Confirm = refuse
    source: str = ""  # how the key was verified: "pinned", "console output", "operator"

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        self.check(key)

    def check(self, key: Any) -> None:
        line, fp = key_line(key), fingerprint(key.get_name(), key.asbytes())
        pinned = self.pins.get(self.host_id)
        if line in pinned:
            self.source = "pinned"
            return
        if pinned:
            expected = ", ".join(line_fingerprint(p) for p in pinned)
            raise HostKeyMismatch(
                f"{self.label} presented host key {fp}, but {expected} is pinned for {self.host_id}. "
                "Someone may be intercepting the connection, or the instance was rebuilt with new keys. "
                f"hostwiz refuses to connect. If the instance really was replaced, remove {self.host_id} "
                f"from {self.pins.path} and connect again.")
        console = self.console_keys()
        if console:
            if line not in console:
                raise HostKeyMismatch(
                    f"{self.label} presented host key {fp}, but its console output lists "
                    f"{', '.join(line_fingerprint(c) for c in console)}. hostwiz refuses to connect: "
                    "the address may not belong to this instance (check the Elastic IP), or the "
                    "connection is being intercepted.")
            self.pins.pin(self.host_id, console)
            self.source = "console output"
            return
        if self.confirm(self.label, key.get_name(), fp):
            self.pins.pin(self.host_id, [line])
            self.source = "operator"
            return
        raise HostKeyUnverified(
            f"{self.label} presented host key {fp} ({key.get_name()}); it is not pinned, the instance's "
            "console output has no SSH host key block yet, and it was not confirmed. hostwiz refuses to "
            "connect. Wait for the console output (a few minutes after boot) or confirm the fingerprint "
            "after checking it on the instance (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).")
