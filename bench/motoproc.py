"""moto for the benchmarks: a server in its own process on loopback (or in this one), so moto's own
CPU stays out of the measured process's GIL."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time


@contextlib.contextmanager
def moto_endpoint(where: str):
    """moto on loopback in its own process (default), or in this one (`--moto inprocess`).

    In-process moto spends ~10 ms of CPU per request under this process's GIL (and an import
    lock), which concurrent steps then queue behind: it slows the engine's critical path in a
    way real AWS never would. A server process keeps moto's own work out of the measurement.
    """
    if where == "inprocess":
        from moto import mock_aws

        from hostwiz.sandbox import serialise_moto

        serialise_moto()

        with mock_aws():
            yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve = ("from hostwiz.sandbox import serialise_moto; serialise_moto(); from moto.server import main; "
             f"main(['-H', '127.0.0.1', '-p', '{port}'])")
    server = subprocess.Popen([sys.executable, "-c", serve],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the moto server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
