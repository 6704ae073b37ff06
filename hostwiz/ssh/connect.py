"""One "connect": direct, then through a bastion, then EC2 Instance Connect.

It says which path worked and why each other one did not. A host key that fails
verification stops everything at once (trying another path to the same host would only
retry an untrusted key). The AWS calls come in as plain callables (`Access`), so this
module needs neither boto3 nor a session.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any, Callable

from .hostkeys import Confirm, ConnectCancelled, ConnectFailed, HostKeyRefused, PinPolicy, PinStore, refuse
from .keys import KeyUnavailable

DIRECT, BASTION, INSTANCE_CONNECT = "direct", "bastion", "instance-connect"
PATH_WORDS = {DIRECT: "directly", BASTION: "through the bastion", INSTANCE_CONNECT: "with EC2 Instance Connect"}


@dataclass
class Endpoint:
    """Where one SSH server is, and how its host key is pinned."""

    label: str  # for messages: "blog (i-0abc, 203.0.113.7)"
    host: str  # the address this machine dials (after the sandbox resolver, if any)
    port: int = 22
    user: str = "ubuntu"
    host_id: str = ""  # pin key: the instance ID, or host:port
    instance_id: str | None = None
    private_host: str | None = None  # the address a bastion dials (same VPC)
    availability_zone: str | None = None


@dataclass
class Access:
    """What connecting may need from AWS (None when unavailable)."""

    console_keys: Callable[[str], list[str]] | None = None  # instance ID -> host keys (waits)
    send_public_key: Callable[[str, str, str, str | None], None] | None = None  # id, user, key, az


@dataclass
class Attempt:
    path: str
    ok: bool
    detail: str


@dataclass
class Connection:
    client: Any  # paramiko.SSHClient
    path: str
    endpoint: Endpoint
    attempts: list[Attempt]
    host_key_source: str = ""
    hops: list[Any] = field(default_factory=list)  # bastion clients to close with this one

    @property
    def transport(self) -> Any:
        return self.client.get_transport()

    def summary(self) -> str:
        text = f"connected to {self.endpoint.label} {PATH_WORDS[self.path]}"
        if self.host_key_source:
            text += f" (host key verified: {self.host_key_source})"
        others = [f"{a.path}: {a.detail}" for a in self.attempts if not a.ok]
        return text + ("; " + "; ".join(others) if others else "")

    def close(self) -> None:
        for c in [self.client, *self.hops]:
            c.close()


@dataclass
class Connector:
    """Connects to one target with the fallbacks. `key_loader` returns a paramiko key or raises
    KeyUnavailable; `confirm` is asked only for a key that is neither pinned nor in the console output."""

    target: Endpoint
    pins: PinStore
    key_loader: Callable[[], Any]
    access: Access = field(default_factory=Access)
    bastion: Endpoint | None = None
    confirm: Confirm = refuse
    timeout: float = 10.0
    bastion_key: Callable[[], Any] | None = None  # when the bastion is another stack with its own key
    handshakes: int = 0
    _console: dict[str, list[str]] = field(default_factory=dict)  # instance ID -> host keys (asked once)

    def connect(self) -> Connection:
        attempts: list[Attempt] = []
        for path, fn in ((DIRECT, self._direct), (BASTION, self._via_bastion), (INSTANCE_CONNECT, self._instance_connect)):
            try:
                conn = fn()
            except (HostKeyRefused, ConnectCancelled) as err:  # raised as is: no other path is tried
                attempts.append(Attempt(path, False, str(err)))
                err.attempts = attempts
                raise
            except _Skip as err:
                attempts.append(Attempt(path, False, str(err)))
                continue
            except Exception as err:  # every other failure is a reason to try the next path
                attempts.append(Attempt(path, False, explain(err, self._dialled(path))))
                continue
            attempts.append(Attempt(path, True, "ok"))
            conn.attempts = attempts
            return conn
        raise ConnectFailed(f"could not connect to {self.target.label}: " +
                            "; ".join(f"{a.path}: {a.detail}" for a in attempts), attempts)

    # The three paths ----------------------------------------------------------------
    def _direct(self) -> Connection:
        key = self._key()
        client, policy = self._open(self.target, key)
        return Connection(client, DIRECT, self.target, [], policy.source)

    def _via_bastion(self) -> Connection:
        if self.bastion is None:
            raise _Skip("no bastion configured (--bastion, or 'bastion' in the stack's ledger)")
        key = self._key()
        hop, _ = self._open(self.bastion, self.bastion_key() if self.bastion_key else key)
        try:
            dest = (self.target.private_host or self.target.host, self.target.port)
            channel = hop.get_transport().open_channel("direct-tcpip", dest, ("127.0.0.1", 0), timeout=self.timeout)
            client, policy = self._open(self.target, key, sock=channel)
        except BaseException:
            hop.close()
            raise
        return Connection(client, BASTION, self.target, [], policy.source, hops=[hop])

    def _instance_connect(self) -> Connection:
        if self.access.send_public_key is None or not self.target.instance_id:
            raise _Skip("EC2 Instance Connect needs the instance ID and AWS access")
        from .keys import ephemeral_key

        key, public = ephemeral_key()
        self.access.send_public_key(self.target.instance_id, self.target.user, public, self.target.availability_zone)
        client, policy = self._open(self.target, key)  # the pushed key is valid for 60 s: connect now
        return Connection(client, INSTANCE_CONNECT, self.target, [], policy.source)

    # Helpers ------------------------------------------------------------------------
    def _key(self) -> Any:
        try:
            return self.key_loader()
        except KeyUnavailable as err:
            raise _Skip(str(err)) from None

    def _policy(self, ep: Endpoint) -> PinPolicy:
        """The host key policy for `ep`. When nothing is pinned yet, the console output is polled here,
        BEFORE the handshake: polling inside paramiko's host-key callback would hold an unauthenticated
        connection open for minutes, and sshd drops those after LoginGraceTime (120 s)."""
        host_id = ep.host_id or f"{ep.host}:{ep.port}"
        console = self.access.console_keys
        keys: list[str] = []
        if console and ep.instance_id and not self.pins.get(host_id):
            if ep.instance_id not in self._console:
                self._console[ep.instance_id] = console(ep.instance_id)
            keys = self._console[ep.instance_id]
        return PinPolicy(self.pins, host_id, ep.label, console_keys=lambda: keys, confirm=self.confirm)

    def _open(self, ep: Endpoint, key: Any, sock: Any = None) -> tuple[Any, PinPolicy]:
        import paramiko

        policy = self._policy(ep)
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(policy)  # no known_hosts is loaded: every key meets the policy
        try:
            client.connect(ep.host, ep.port, username=ep.user, pkey=key, sock=sock, timeout=self.timeout,
                           banner_timeout=self.timeout, auth_timeout=self.timeout,
                           allow_agent=False, look_for_keys=False)
        except BaseException:
            client.close()
            raise
        self.handshakes += 1
        raw = client.get_transport().sock
        if isinstance(raw, socket.socket):  # keystrokes go out at once (no Nagle wait for the ACK)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client, policy

    def _dialled(self, path: str) -> str:
        ep = self.bastion if path == BASTION and self.bastion else self.target
        return f"{ep.host}:{ep.port}"


class _Skip(Exception):
    """This path does not apply; the message says why."""


def explain(err: BaseException, where: str) -> str:
    """One line an operator can act on, for a failed connection attempt."""
    import paramiko

    if isinstance(err, (socket.timeout, TimeoutError)):
        return (f"timed out reaching {where} (is the instance running, and does the security group's "
                "SSH rule include your current IP?)")
    if isinstance(err, ConnectionRefusedError) or (
            isinstance(err, paramiko.ssh_exception.NoValidConnectionsError)):
        return f"{where} refused the connection (sshd is not listening yet, or the port is wrong)"
    if isinstance(err, paramiko.AuthenticationException):
        return f"{where} did not accept the key ({err}); the key pair may not match this instance"
    if isinstance(err, socket.gaierror):
        return f"cannot resolve {where} ({err.strerror})"
    if isinstance(err, OSError):
        return f"network error reaching {where}: {err.strerror or err}"
    if isinstance(err, paramiko.SSHException):
        return f"SSH error with {where}: {err}"
    return f"{err.__class__.__name__}: {err}"
