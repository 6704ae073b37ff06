"""Secrets never reach logs, state files or the terminal; the key file is 0600 from its first byte;
a machine without a keyring still works, says so, and keeps no plaintext secret but the key file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import keyring
import pytest
import tomli_w
from hwtest import database_url, files_containing, key_secrets, leftovers, run_cli, stack_secrets

from hostwiz import secrets


def spec_file(tmp_path: Path, spec_data: dict) -> Path:
    path = tmp_path / "blog.toml"
    path.write_text(tomli_w.dumps(spec_data))
    return path


@pytest.fixture
def key_file_chmods(monkeypatch):
    """Every chmod/fchmod aimed at a key file: creating it 0600 must need none."""
    seen: list[str] = []
    real_chmod, real_fchmod = os.chmod, os.fchmod

    def chmod(path, mode, *a, **k):
        if "/keys/" in str(path):
            seen.append(str(path))
        return real_chmod(path, mode, *a, **k)

    def fchmod(fd, mode):
        target = os.readlink(f"/proc/self/fd/{fd}")
        if "/keys/" in target:
            seen.append(target)
        return real_fchmod(fd, mode)

    monkeypatch.setattr(os, "chmod", chmod)
    monkeypatch.setattr(os, "fchmod", fchmod)
    return seen


def test_no_secret_in_debug_logs_state_or_output(session, spec_data, tmp_path, state_dir, monkeypatch, capfd,
                                                 key_file_chmods):
    monkeypatch.setenv("HOSTWIZ_LOG_LEVEL", "DEBUG")
    old_umask = os.umask(0)  # a key file made with open() and chmod-ed after would start out 0666
    try:
        code, out, err = run_cli(["up", str(spec_file(tmp_path, spec_data)), "--yes", "--state-dir", str(state_dir)])
    finally:
        os.umask(old_umask)
    assert code == 0, out + err
    found = stack_secrets(state_dir)
    key_file, private_key, needles = found.key_file, found.private_key, found.needles

    log = (state_dir / "logs" / "hostwiz.log").read_text()
    assert "CreateDBInstance" in log and "DEBUG" in log and "botocore" in log  # botocore's DEBUG output is there
    assert "***" in log  # ... and the password was in it, masked
    assert files_containing(state_dir, needles, skip=key_file) == []
    captured = capfd.readouterr()
    for stream in (out, err, captured.out, captured.err):
        assert not [n for n in needles if n in stream]
    assert "ssh -i" in out  # the output was not simply empty
    assert out.startswith("AWS account 123456789012 as arn:aws:sts::123456789012:")  # who, before anything

    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.parent.stat().st_mode & 0o777 == 0o700
    assert key_file_chmods == []  # created 0600 (mkstemp), never widened and narrowed
    assert secrets.fetch(secrets.ssh_key_account("blog")).reveal() == private_key


def test_key_file_is_written_through_an_0600_temp_file(tmp_path, monkeypatch):
    """The creation path itself: the bytes go into a file that is 0600 before the first write."""
    import tempfile

    modes: list[int] = []
    real = tempfile.mkstemp

    def mkstemp(*a, **k):
        fd, name = real(*a, **k)
        modes.append(os.fstat(fd).st_mode & 0o777)
        assert os.fstat(fd).st_size == 0
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    old = os.umask(0)
    try:
        path = secrets.write_private_file(tmp_path / "keys" / "x.pem", secrets.Secret("-----BEGIN-----\nabc\n"))
    finally:
        os.umask(old)
    assert modes == [0o600]
    assert path.read_text() == "-----BEGIN-----\nabc\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["x.pem"]  # no temp file left behind


@pytest.fixture
def headless(monkeypatch, tmp_path):
    """No keyring backend (keyring's fail backend), and a home directory we can search afterwards."""
    from keyring.backends import fail

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    keyring.set_keyring(fail.Keyring())
    yield
    secrets.use_memory_keyring()


def test_headless_keyring_up_works_warns_and_keeps_no_plaintext_secret(session, spec_data, tmp_path, state_dir,
                                                                        headless):
    assert secrets.keyring_problem()
    code, out, err = run_cli(["up", str(spec_file(tmp_path, spec_data)), "--yes", "--state-dir", str(state_dir)])
    assert code == 0, out + err
    assert re.search(r"warning: no OS keyring backend is available .*the SSH key is kept only in .*blog\.pem "
                     r"\(0600\), the database password only in SSM", out)
    key_file = secrets.key_path(state_dir, "blog")
    assert key_file.stat().st_mode & 0o777 == 0o600
    url = database_url()  # the app still gets its connection string
    password = re.match(r"postgresql://hostwiz:([^@]+)@", url).group(1)
    assert len(password) >= 16
    needles = key_secrets(key_file.read_text()) + [password, url]
    assert files_containing(tmp_path, needles, skip=key_file) == []
    assert not [n for n in needles if n in out + err]
    code, out, err = run_cli(["status", "blog", "--json", "--state-dir", str(state_dir)])
    assert code == 0 and '"status": "ready"' in out
    code, out, err = run_cli(["down", "blog", "--yes", "--state-dir", str(state_dir)])  # and back, headless
    assert code == 0, out + err
    assert leftovers("blog") == {} and not key_file.exists()


@pytest.mark.parametrize("line", [
    "Response body:\nb'<CreateKeyPairResponse><keyMaterial>-----BEGIN OPENSSH PRIVATE KEY-----\\nabc'",
    "Response body:\nb'{\"Parameter\": {\"Value\": \"postgres://u:pw@db\"}}'",
])
def test_botocore_debug_lines_with_secrets_are_not_logged(line):
    """botocore logs response bodies at DEBUG: a private key AWS generated and SSM values pass there
    before hostwiz could register them for redaction."""
    import logging

    from hostwiz.secrets import RedactFilter

    record = logging.LogRecord("botocore.endpoint", logging.DEBUG, __file__, 1, line, None, None)
    assert RedactFilter().filter(record)
    shown = record.getMessage()
    assert "PRIVATE KEY" not in shown and "pw@db" not in shown
    assert "not logged" in shown
