"""What a public resolver answers for a name right now (the "DNS ready" check's outside view).

It asks this machine's resolver (getaddrinfo), in a worker thread with a deadline, so a
machine without network answers "unknown" quickly instead of hanging or failing.
The Route53 side of the check lives in `hostwiz.provisioners.dns`.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable

Resolver = Callable[[str], list[str]]


@dataclass(frozen=True)
class PublicAnswer:
    name: str
    addresses: tuple[str, ...] | None  # None: could not ask (offline, timeout)
    error: str = ""

    def points_at(self, ip: str) -> bool:
        return bool(self.addresses) and ip in self.addresses


def system_resolver(name: str) -> list[str]:
    infos = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def resolve(names: list[str], resolver: Resolver = system_resolver, timeout: float = 3.0) -> list[PublicAnswer]:
    """Each name's IPv4 addresses as the resolver sees them; never raises."""
    pool = ThreadPoolExecutor(max_workers=max(1, len(names)), thread_name_prefix="hostwiz-dns")
    futures = [(name, pool.submit(resolver, name)) for name in names]
    out = []
    try:
        for name, fut in futures:
            try:
                out.append(PublicAnswer(name, tuple(fut.result(timeout=timeout))))
            except FutureTimeout:
                out.append(PublicAnswer(name, None, f"no answer within {timeout:g} s (offline?)"))
            except socket.gaierror as err:
                if err.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
                    out.append(PublicAnswer(name, (), "does not resolve (yet)"))
                else:
                    out.append(PublicAnswer(name, None, f"cannot ask a resolver: {err.strerror or err}"))
            except OSError as err:
                out.append(PublicAnswer(name, None, f"cannot ask a resolver: {err}"))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out
