"""Built-in SSH (paramiko, imported lazily): verified host keys, one connect with fallbacks,
and one shared transport per host.

- `hostkeys`: console-output host keys, per-instance pins, the pin-checking host key policy
- `keys`: the stack's private key (keyring or 0600 file), throwaway Instance Connect keys
- `connect`: `Connector.connect()` tries direct -> bastion -> EC2 Instance Connect
- `target`: a stack name (ledger + session + sandbox resolver) -> `Connector`
- `pool`: `shared_pool(session)` -> `Pool` (kept on `session.ssh_pool`) with `run`, `exec_stream`, `shell`
- `interactive`: hand a channel the real terminal (CLI, and the TUI's suspend option)

See docs/ssh.md.
"""

from .connect import ConnectFailed, Connection, Connector, Endpoint
from .hostkeys import ConnectCancelled, HostKeyMismatch, HostKeyRefused, HostKeyUnverified, PinStore
from .pool import Pool, shared_pool
from .target import TargetError

__all__ = ["ConnectCancelled", "ConnectFailed", "Connection", "Connector", "Endpoint", "HostKeyMismatch", "HostKeyRefused",
           "HostKeyUnverified", "PinStore", "Pool", "shared_pool", "TargetError"]
