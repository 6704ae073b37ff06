"""Built-in SSH (paramiko, imported lazily): verified host keys, one connect with fallbacks,
and one shared transport per host.

- `hostkeys`: console-output host keys, per-instance pins, the pin-checking host key policy
- `keys`: the stack's private key (keyring or 0600 file), throwaway Instance Connect keys
- `connect`: `Connector.connect()` tries direct -> bastion -> EC2 Instance Connect
- `pool`: `Pool` (one per session, made by `hostwiz.services.ssh.pool`) with `run`, `exec_stream`, `shell`

A stack name becomes a `Connector` in `hostwiz.services.ssh` (ledger + AWS + sandbox resolver).
- `interactive`: hand a channel the real terminal (CLI, and the TUI's suspend option)

See docs/ssh.md.
"""

from .connect import ConnectFailed, Connection, Connector, Endpoint
from .hostkeys import ConnectCancelled, HostKeyMismatch, HostKeyRefused, HostKeyUnverified, PinStore
from .pool import Pool

__all__ = ["ConnectCancelled", "ConnectFailed", "Connection", "Connector", "Endpoint", "HostKeyMismatch", "HostKeyRefused",
           "HostKeyUnverified", "PinStore", "Pool"]
