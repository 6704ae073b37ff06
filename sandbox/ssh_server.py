"""A paramiko SSH server on 127.0.0.1 for each sandbox instance.

`SandboxSsh.hooks()` are botocore hooks for the sandbox's `Aws`: they note the public key of
each `ImportKeyPair`, start a server when `RunInstances` launches an instance with that key
pair, print the server's host key in the instance's `GetConsoleOutput` (the
`BEGIN SSH HOST KEY KEYS` block cloud-init writes, base64 like EC2), let keys pushed with
`SendSSHPublicKey` in for 60 seconds, and stop the server on `TerminateInstances`.
`resolve(instance ID, address)` gives the loopback port to dial instead of the instance's IP.
The shell is pretend (`fake_host.FakeShell`): nothing of the user-data runs on this machine; only
hostwiz's release script runs for real, in a directory per instance (`deploy_host`).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import threading
import time
from typing import Any

import paramiko

from hostwiz import secrets
from hostwiz.ssh.hostkeys import BEGIN, END, key_line
from hostwiz.ssh.keys import pkey_from_text

from .fake_host import FakeHost, FakeShell, HostFacts, prompt
from .ssh_hooks import SshHooks

log = logging.getLogger(__name__)
INSTANCE_CONNECT_TTL = 60.0
GONE = (OSError, EOFError, paramiko.SSHException)  # the client went away mid-write
REPLY_GRACE = 0.02  # seconds between accepting a shell/exec request and writing to its channel


def _key_blob(line: str) -> str:
    return line.split()[1]


class _Interface(paramiko.ServerInterface):
    def __init__(self, server: "InstanceServer"):
        self.server = server
        self.sizes: dict[int, tuple[int, int]] = {}
        self.forwards: dict[int, tuple[str, int]] = {}  # direct-tcpip channel ID -> destination

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        ok = username == self.server.host.user and self.server.accepts(key.get_base64())
        self.server.logins += ok
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_direct_tcpip_request(self, chanid: int, origin, destination) -> int:
        """As a bastion: forward to loopback destinations only (the sandbox never dials out)."""
        if destination[0] not in ("127.0.0.1", "localhost", "::1"):
            return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        self.forwards[chanid] = (destination[0], int(destination[1]))
        return paramiko.OPEN_SUCCEEDED

    def check_channel_pty_request(self, channel, term, width, height, pw, ph, modes) -> bool:
        self.sizes[channel.get_id()] = (height, width)
        return True

    def check_channel_window_change_request(self, channel, width, height, pw, ph) -> bool:
        self.sizes[channel.get_id()] = (height, width)
        return True

    def check_channel_shell_request(self, channel) -> bool:
        _later(self._shell, channel)
        return True

    def check_channel_exec_request(self, channel, command: bytes) -> bool:
        _later(self._exec, channel, command.decode("utf-8", "replace"))
        return True

    def _size(self, channel) -> Any:
        return lambda: self.sizes.get(channel.get_id(), (24, 80))

    def _exec(self, channel, command: str) -> None:
        from .deploy_host import handle as real_deploy  # the release script runs for real (deploy_host.py)

        if real_deploy(self.server.host.instance_id, channel, command):
            return
        pty = channel.get_id() in self.sizes
        write = (lambda t: channel.sendall(t.replace("\n", "\r\n").encode())) if pty else (lambda t: channel.sendall(t.encode()))
        try:
            code = FakeShell(self.server.host, write, lambda: not channel.closed, self._size(channel)).run(command)
            channel.send_exit_status(code)
        except GONE:
            pass
        finally:
            _close(channel)

    def _shell(self, channel) -> None:
        host = self.server.host

        def write(text: str) -> None:
            channel.sendall(text.replace("\n", "\r\n").encode())

        def alive() -> bool:  # ^C ends a follow, like a real terminal
            if channel.closed:
                return False
            if channel.recv_ready() and b"\x03" in channel.recv(1024):
                write("^C\n")
                return False
            return True

        shell = FakeShell(host, write, alive, self._size(channel))
        try:
            write(host.banner())
            line = ""
            write(prompt(host))
            while not channel.closed:
                data = channel.recv(1024).decode("utf-8", "replace")
                if not data:
                    break
                data = _strip_escapes(data)
                for ch in data:
                    if ch in "\r\n":
                        write("\n")
                        if line.strip() in ("exit", "logout"):
                            channel.send_exit_status(0)
                            return
                        shell.run(line)
                        line = ""
                        write(prompt(host))
                    elif ch in "\x7f\b":
                        if line:
                            line = line[:-1]
                            write("\b \b")
                    elif ch == "\x03":
                        line = ""
                        write("^C\n" + prompt(host))
                    elif ch == "\x04" and not line:
                        channel.send_exit_status(0)
                        return
                    elif ch >= " ":
                        line += ch
                        write(ch)
        except GONE:
            pass
        finally:
            _close(channel)


def _close(channel: paramiko.Channel) -> None:
    """Close a channel whose client may have gone first (its transport then raises EOFError)."""
    with contextlib.suppress(*GONE):
        channel.close()


def _later(fn: Any, *args: Any) -> None:
    """Run on a thread once paramiko has sent its reply to the request (the callback returns first)."""
    timer = threading.Timer(REPLY_GRACE, fn, args)
    timer.daemon = True
    timer.start()


def _pump(chan: paramiko.Channel, dest: tuple[str, int]) -> None:
    """Copy bytes both ways between a direct-tcpip channel and a TCP connection to `dest`."""
    import select

    try:
        sock = socket.create_connection(dest, timeout=5)
    except OSError:
        _close(chan)
        return
    try:
        while True:
            ready, _, _ = select.select([chan, sock], [], [], 1.0)
            if chan in ready:
                data = chan.recv(32768)
                if not data:
                    break
                sock.sendall(data)
            if sock in ready:
                data = sock.recv(32768)
                if not data:
                    break
                chan.sendall(data)
            if chan.closed:
                break
    except GONE:
        pass
    finally:
        sock.close()
        _close(chan)


def _strip_escapes(data: str) -> str:
    """Drop cursor-key and other escape sequences the pretend line editor does not handle."""
    out, i = [], 0
    while i < len(data):
        if data[i] == "\x1b":
            i += 1
            if i < len(data) and data[i] in "[O":
                i += 1
                while i < len(data) and not data[i].isalpha() and data[i] != "~":
                    i += 1
            i += 1
            continue
        out.append(data[i])
        i += 1
    return "".join(out)


class InstanceServer:
    """The SSH server of one sandbox instance, on a free loopback port."""

    def __init__(self, host: FakeHost, authorized: str):
        pair = secrets.generate_ed25519(f"root@{host.hostname}")
        self.host_key = pkey_from_text(pair.private_openssh.reveal())
        self.host = host
        self._authorized = {_key_blob(authorized)}
        self._temporary: dict[str, float] = {}
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.transports: list[paramiko.Transport] = []
        self.handshakes = 0  # SSH handshakes (key exchanges) completed
        self.logins = 0  # successful authentications
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True, name=f"sandbox-ssh-{host.instance_id}").start()

    @property
    def host_key_line(self) -> str:
        return key_line(self.host_key)

    def allow_temporarily(self, public_key: str, ttl: float = INSTANCE_CONNECT_TTL) -> None:
        self._temporary[_key_blob(public_key)] = time.monotonic() + ttl

    def accepts(self, blob: str) -> bool:
        return blob in self._authorized or self._temporary.get(blob, 0) > time.monotonic()

    def console_output(self) -> str:
        """As on EC2: the bootstrap prints the host keys first thing (hostwiz/userdata/hostkeys.sh),
        cloud-init prints its own block when it finishes (the realism model hides that one, and
        everything, until the instance has got that far)."""
        keys = [BEGIN, f"{self.host_key_line} root@{self.host.hostname}", END]
        lines = self.host.files["/var/log/cloud-init-output.log"][:3] + keys + \
            self.host.files["/var/log/cloud-init-output.log"][3:6] + keys + [
            f"Cloud-init v. {self.host.os_facts[6]} finished. Datasource DataSourceEc2Local."]
        return "\n".join(lines) + "\n"

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small interactive writes, no Nagle wait
            t = paramiko.Transport(conn)
            t.add_server_key(self.host_key)
            iface = _Interface(self)
            try:
                t.start_server(server=iface)
            except (paramiko.SSHException, EOFError, OSError) as err:
                log.debug("sandbox ssh handshake failed: %s", err)
                t.close()
                continue
            self.handshakes += 1
            self.transports.append(t)
            threading.Thread(target=self._channels, args=(t, iface), daemon=True).start()

    def _channels(self, t: paramiko.Transport, iface: _Interface) -> None:
        while t.is_active() and not self._stopped.is_set():
            chan = t.accept(timeout=0.5)
            if chan is not None and chan.get_id() in iface.forwards:
                threading.Thread(target=_pump, args=(chan, iface.forwards.pop(chan.get_id())), daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread and stops listening
        except OSError:
            pass
        self._sock.close()
        for t in self.transports:
            t.close()


class SandboxSsh(SshHooks):
    """The sandbox's SSH servers, one per instance, in this process. `pace` spaces each pretend
    instance's bootstrap steps (seconds; 0: at once)."""

    def __init__(self, pace: float = 0.0) -> None:
        self.pace = pace
        self.key_pairs: dict[str, str] = {}  # key name -> public key line
        self.servers: dict[str, InstanceServer] = {}  # instance ID -> server
        self._lock = threading.Lock()
        self.on_change: Any = None  # called after a server starts or stops (the daemon writes its map)

    def ports(self) -> dict[str, int]:
        with self._lock:
            return {iid: s.port for iid, s in self.servers.items()}

    def resolve(self, instance_id: str | None, address: str) -> tuple[str, int] | None:
        server = self.servers.get(instance_id or "")
        return ("127.0.0.1", server.port) if server else None

    def import_key(self, name: str, public: str) -> None:
        self.key_pairs[name] = public

    def launch(self, instances: list[dict[str, Any]]) -> None:
        started = False
        for inst in instances:
            public = self.key_pairs.get(inst.get("key_name", ""))
            if not public:
                continue
            facts = HostFacts.from_launch(inst.get("facts") or {})
            with self._lock:
                if inst["instance_id"] in self.servers:
                    continue
                host = FakeHost(inst.get("stack", "sandbox"), inst["instance_id"], private_ip=inst.get("private_ip")
                                or "10.0.1.23", facts=facts, pace=self.pace)
                self.servers[inst["instance_id"]] = InstanceServer(host, public)
                started = True
        if started and self.on_change:
            self.on_change()

    def console(self, instance_id: str) -> str | None:
        server = self.servers.get(instance_id)
        return server.console_output() if server is not None else None

    def send_key(self, instance_id: str, public: str) -> None:
        server = self.servers.get(instance_id)
        if server is not None:
            server.allow_temporarily(public)

    def terminate(self, instance_ids: list[str]) -> None:
        for iid in instance_ids:
            with self._lock:
                server = self.servers.pop(iid, None)
            if server is not None:
                server.stop()
        if self.on_change:
            self.on_change()

    def stop(self) -> None:
        with self._lock:
            servers, self.servers = list(self.servers.values()), {}
        for s in servers:
            s.stop()
