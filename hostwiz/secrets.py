"""Secrets: SSH keys and database passwords.

They live in the OS keyring (service "hostwiz") and, for the SSH key, in one 0600 file that
`ssh -i` can use, created with that mode (never written first and chmod-ed after). Nothing
here logs a secret; `Secret` hides its value from repr/str so an accidental f-string or
traceback shows `***`.

Headless machines often have no keyring backend. hostwiz then says so once and keeps the
SSH key only in its 0600 file and the database password only in SSM Parameter Store
(SecureString); it never falls back to a plaintext keyring file silently.
"""

from __future__ import annotations

import logging
import secrets as _random
import string
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
SERVICE = "hostwiz"


class Secret(str):
    """A str whose repr and str() are masked. Use `.reveal()` to get the value."""

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:  # f-strings and print() show the mask
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def reveal(self) -> str:
        return str.__str__(self)


# Redaction ---------------------------------------------------------------------
# Every secret hostwiz makes or reads is registered here; the log handlers hostwiz installs
# carry `RedactFilter`, so even botocore's DEBUG dump of a request body shows `***`.

_known: set[str] = set()


def register(value: str) -> None:
    raw = value.reveal() if isinstance(value, Secret) else value
    if raw and len(raw) >= 8:
        _known.add(raw)
        for line in raw.splitlines():  # a PEM block may be logged line by line
            if len(line) >= 16:
                _known.add(line)


def redact(text: str) -> str:
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, "***")
    return text


# botocore's DEBUG lines (request params, request and response bodies) that carry secrets AWS makes
# makes before hostwiz could register them for redaction: SSM values (app settings, the database
# URL), a private key AWS generated. (A master password is generated here and registered before
# any call, so its lines stay, masked: tests/foundation/test_secrets.py.)
_SECRET_MARKERS = ("AmazonSSM.", "KeyMaterial", "keyMaterial", "PRIVATE KEY", "SecretString", "SecureString")


def _secret_body(message: str) -> bool:
    return any(m in message for m in _SECRET_MARKERS) or (message.startswith("Response body") and "Parameter" in message)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("botocore") and record.levelno <= logging.DEBUG:
            message = record.getMessage()
            if _secret_body(message):
                record.msg, record.args = message.split(":", 1)[0] + ": (carries secrets: not logged)", None
                return True
        if _known:
            message = record.getMessage()
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        return True


# Keyring -----------------------------------------------------------------------


def keyring_problem() -> str | None:
    """None when a usable keyring backend exists, else why not (in words)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as err:  # keyring import itself can fail on broken D-Bus setups
        return f"the keyring library failed to load ({err.__class__.__name__})"
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or "null" in name.lower() or getattr(backend, "priority", 1) <= 0:
        return f"no OS keyring backend is available (keyring chose {name})"
    return None


_warned = False


def _warn_once(what: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning("%s: %s", keyring_problem(), what)


def store(account: str, value: str) -> bool:
    """Keep a secret in the keyring. False (with one warning) when there is no keyring."""
    if keyring_problem():
        _warn_once("secrets are not stored locally beyond the 0600 SSH key file")
        return False
    import keyring

    keyring.set_password(SERVICE, account, value)
    return True


def fetch(account: str) -> Secret | None:
    if keyring_problem():
        return None
    import keyring

    value = keyring.get_password(SERVICE, account)
    if value is None:
        return None
    register(value)
    return Secret(value)


def forget(account: str) -> None:
    if keyring_problem():
        return
    import keyring
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, account)
    except PasswordDeleteError:
        pass


def ssh_key_account(stack: str) -> str:
    return f"{stack}/ssh-private-key"


def db_password_account(stack: str) -> str:
    return f"{stack}/db-password"


# Generation --------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    private_openssh: Secret
    public_openssh: str
    fingerprint: str  # SHA256:... of the public key


def generate_ed25519(comment: str) -> KeyPair:
    import base64
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(public.split()[1])
    fp = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    register(private)
    return KeyPair(Secret(private), f"{public} {comment}", fp)


def generate_password(length: int = 32) -> Secret:
    """RDS-safe: letters and digits only (RDS refuses / @ " and space)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(_random.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            register(pw)
            return Secret(pw)


# Key files ---------------------------------------------------------------------


def key_path(state_dir: Path, stack: str) -> Path:
    return Path(state_dir) / "keys" / f"{stack}.pem"


def write_private_file(path: Path, secret: str) -> Path:
    """Create `path` with mode 0600 from the first byte (an O_EXCL 0600 temp file, then rename)."""
    from hostwiz.ledger import atomic_write, private_dir

    private_dir(path.parent)
    atomic_write(path, secret.reveal() if isinstance(secret, Secret) else secret, 0o600)
    return path


def check_key_file(path: Path) -> str | None:
    """None if the key file is safe to use, else the problem with the fix."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return f"{path} does not exist"
    if mode & 0o077:
        return f"{path} is readable by others (mode {mode:o}); run: chmod 600 {path}"
    return None


# A keyring for the sandbox and the tests ----------------------------------------


def use_memory_keyring() -> None:
    """Install an in-process keyring (sandbox and tests: throwaway secrets, nothing on disk)."""
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            from keyring.errors import PasswordDeleteError

            if self.store.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    keyring.set_keyring(MemoryKeyring())
