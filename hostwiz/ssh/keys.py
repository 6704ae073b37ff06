"""The stack's SSH private key, from the keyring or the 0600 key file, as a paramiko key."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from hostwiz import secrets


class KeyUnavailable(Exception):
    """No usable private key on this machine; the message says why (and the fix, if any)."""


def pkey_from_text(text: str) -> Any:
    import paramiko

    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise KeyUnavailable("the private key is in a format paramiko cannot read")


def load_stack_key(state_dir: Path, stack: str) -> tuple[Any, str]:
    """(paramiko key, where it came from). Raises KeyUnavailable with the reason and the fix."""
    secret = secrets.fetch(secrets.ssh_key_account(stack))
    if secret is not None:
        return pkey_from_text(secret.reveal()), "the keyring"
    path = secrets.key_path(state_dir, stack)
    if not path.exists():
        raise KeyUnavailable(f"the private key is not on this machine (not in the keyring, no {path})")
    problem = secrets.check_key_file(path)
    if problem:
        raise KeyUnavailable(f"refusing to use the key file: {problem}")
    text = path.read_text(encoding="utf-8")
    secrets.register(text)
    return pkey_from_text(text), str(path)


def ephemeral_key() -> tuple[Any, str]:
    """A throwaway ED25519 key for EC2 Instance Connect: (paramiko key, public OpenSSH line)."""
    pair = secrets.generate_ed25519("hostwiz-instance-connect")
    return pkey_from_text(pair.private_openssh.reveal()), pair.public_openssh
