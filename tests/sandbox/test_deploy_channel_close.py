"""Attack review of the sandbox's quiet channel closes: the fourth close, the real deploy's
(`deploy_host.DeployHost.run`), raised too when the client had gone first (EOFError from paramiko's
transport), in the SSH server's thread."""

from __future__ import annotations

import socket


class GoneChannel:
    """What paramiko's Channel does once the client's transport is gone."""

    def __init__(self) -> None:
        self.closed_calls = 0

    def recv(self, n: int) -> bytes:
        return b""

    def sendall(self, data: bytes) -> None:
        raise socket.error("Socket is closed")

    def send_exit_status(self, code: int) -> None:
        raise EOFError()

    def close(self) -> None:
        self.closed_calls += 1
        raise EOFError()


def test_a_deploy_whose_client_went_first_ends_quietly(tmp_path):
    from hostwiz.sandbox.deploy_host import DeployHost

    host = DeployHost(tmp_path, "i-0gone")
    host.real_nginx = False  # the stub: no nginx started for this
    channel = GoneChannel()
    host.run(channel, "echo some output; sleep 5")  # returns: no EOFError out of the close
    assert channel.closed_calls == 1
