"""A small SSH server for the tests: paramiko on 127.0.0.1, runs exec requests with `sh -c`
locally (so `tail -F` is the real one), and can drop every connection on demand."""

from __future__ import annotations

import socket
import subprocess
import threading

import paramiko


class _Server(paramiko.ServerInterface):
    def __init__(self, owner: "LocalSshd"):
        self.owner = owner

    def check_auth_publickey(self, username, key):
        ok = username == self.owner.user and key.get_fingerprint() == self.owner.client_key.get_fingerprint()
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username):
        return "publickey"

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        proc = subprocess.Popen(["sh", "-c", command.decode()], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.owner.commands.append(command.decode())
        self.owner.procs.append(proc)

        def pump():
            try:
                for chunk in iter(lambda: proc.stdout.read1(65536), b""):
                    channel.sendall(chunk)
                channel.sendall_stderr(proc.stderr.read())
                channel.send_exit_status(proc.wait() & 0xFF)
            except (OSError, EOFError, paramiko.SSHException):
                pass
            finally:
                proc.kill()
                proc.wait()
                channel.close()

        threading.Thread(target=pump, daemon=True).start()
        return True


class LocalSshd:
    def __init__(self, user: str = "ubuntu"):
        self.user = user
        self.host_key = paramiko.ECDSAKey.generate()
        self.client_key = paramiko.ECDSAKey.generate()
        self.commands: list[str] = []
        self.procs: list[subprocess.Popen] = []
        self.transports: list[paramiko.Transport] = []
        self.connections = 0
        self.refuse = False
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self.refuse:
                conn.close()
                continue
            self.connections += 1
            t = paramiko.Transport(conn)
            t.add_server_key(self.host_key)
            self.transports.append(t)
            try:
                t.start_server(server=_Server(self))
            except (paramiko.SSHException, EOFError, OSError):
                continue

    def drop_all(self):
        """Cut every connection, as a network failure would."""
        for t in list(self.transports):
            t.close()
        self.transports.clear()

    def connect(self) -> paramiko.Transport:
        """A client transport with the host key verified (the way hostwiz pins keys)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        t = paramiko.Transport(sock)
        t.start_client(timeout=5)
        if t.get_remote_server_key().asbytes() != self.host_key.asbytes():
            t.close()
            raise paramiko.SSHException("host key mismatch")
        t.auth_publickey(self.user, self.client_key)
        return t

    def close(self):
        self._closed = True
        self.drop_all()
        self._sock.close()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
