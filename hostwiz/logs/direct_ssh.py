"""SSH straight to the instance with paramiko, for builds without the shared pool (`hostwiz.ssh`).

One transport per stack, made again when it drops. The host key must already be known
(`~/.ssh/known_hosts`, or the file given): an unknown key is refused, never accepted blindly.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.logs.instance import OpenStream, transport_opener


def direct_opener(session: Any, stack: str, *, known_hosts: Path | None = None, port: int = 22) -> OpenStream:
    outputs = Ledger(session.state_dir, stack).get("outputs") or {}
    host, user = outputs.get("public_ip"), outputs.get("ssh_user") or "ubuntu"
    key = Path(outputs.get("key_file") or secrets.key_path(session.state_dir, stack))
    lock = threading.Lock()
    current: list[Any] = []

    def transport() -> Any:
        if not host:
            raise RuntimeError(f"stack {stack} has no public address yet; wait for 'hostwiz up' to finish")
        with lock:
            live = current[0].get_transport() if current else None
            if live is not None and live.is_active():
                return live
            import paramiko

            client = paramiko.SSHClient()
            if known_hosts:
                client.load_host_keys(str(known_hosts))
            else:
                client.load_system_host_keys()
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
            client.connect(host, port=port, username=user, key_filename=str(key), timeout=15,
                           allow_agent=False, look_for_keys=False)
            current[:] = [client]
            return client.get_transport()

    return transport_opener(transport)
