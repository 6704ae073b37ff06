"""What gets deployed: a directory (honouring `.gitignore` and `.hostwizignore`), or a git
repository resolved on the operator's machine with their own git, and what it is (runtime,
start command).

Plain Python plus `pathspec` (gitignore semantics); no network of its own: `git clone` runs
the operator's git with the operator's credentials.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pathspec

DEFAULT_LIMIT = 200 * 1024 * 1024  # bytes shipped per release, before build
IGNORE_FILES = (".gitignore", ".hostwizignore")
# Never shipped: version control, the release metadata directory, and build output that each
# release makes afresh on the instance (a venv, node_modules).
ALWAYS_IGNORED = (".git/", ".hg/", ".svn/", ".hostwiz/", ".venv/", "node_modules/", "__pycache__/")

RUNTIMES = ("docker", "nodejs", "python", "ruby", "php", "static")
# Runtimes nginx serves without a process of the app's own start command.
NO_START_NEEDED = ("docker", "php", "static")


class SourceError(Exception):
    """A source that cannot be deployed; the message says what to do."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative, "/"-separated
    size: int
    mode: int  # permission bits
    link: str | None = None  # symlink target, for symlinks


@dataclass
class Source:
    """A packed directory: the files that will travel, and where they are on this machine."""

    root: Path
    files: list[SourceFile]
    label: str  # for release metadata: "dir:/home/me/blog" or "git:https://host/repo@1a2b3c4"
    cleanup: Path | None = None  # a temporary clone to remove when done

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def close(self) -> None:
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)
            self.cleanup = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class AppPlan:
    """The detected runtime and start command, as shown to the operator for confirmation."""

    runtime: str
    start: str | None  # None for docker/php/static (nginx, php-fpm or the image runs it)
    start_from: str  # "[app].start", "Procfile", "default", or "" when none is needed
    notes: list[str] = field(default_factory=list)


def _spec_for(directory: Path) -> pathspec.PathSpec | None:
    lines: list[str] = []
    for name in IGNORE_FILES:
        f = directory / name
        if f.is_file():
            lines += f.read_text(errors="replace").splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def walk(root: Path) -> list[SourceFile]:
    """Files under `root` that a deploy ships: `.gitignore` and `.hostwizignore` are honoured in
    every directory (patterns relative to the directory holding them, as git does)."""
    root = Path(root)
    always = pathspec.GitIgnoreSpec.from_lines(ALWAYS_IGNORED)
    specs: list[tuple[str, pathspec.PathSpec]] = []  # (prefix "" or "sub/dir/", spec)
    out: list[SourceFile] = []

    def ignored(rel: str, is_dir: bool) -> bool:
        probe = rel + "/" if is_dir else rel
        if always.match_file(probe):
            return True
        for prefix, spec in specs:
            if probe.startswith(prefix) and spec.match_file(probe[len(prefix):]):
                return True
        return False

    def visit(directory: Path, prefix: str) -> None:
        spec = _spec_for(directory)
        if spec is not None:
            specs.append((prefix, spec))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as e:
            raise SourceError(f"cannot read {directory}: {e.strerror}") from e
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_symlink():
                if not ignored(rel, False):
                    out.append(SourceFile(rel, 0, 0o777, os.readlink(entry.path)))
            elif entry.is_dir():
                if not ignored(rel, True):
                    visit(Path(entry.path), rel + "/")
            elif entry.is_file() and not ignored(rel, False):
                st = entry.stat()
                out.append(SourceFile(rel, st.st_size, st.st_mode & 0o777))
        if spec is not None:
            specs.pop()

    visit(root, "")
    return out


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def pack_directory(path: str | Path, limit: int = DEFAULT_LIMIT, label: str | None = None) -> Source:
    """The files of a directory that a deploy ships; `SourceError` when the path is missing,
    empty after ignores, or larger than `limit` bytes (the message names the largest files)."""
    root = Path(path).expanduser()
    if not root.exists():
        raise SourceError(f"{root}: no such directory")
    if not root.is_dir():
        raise SourceError(f"{root}: not a directory")
    root = root.resolve()
    files = walk(root)
    if not files:
        raise SourceError(f"{root}: nothing to deploy (empty, or everything is ignored)")
    total = sum(f.size for f in files)
    if total > limit:
        biggest = sorted(files, key=lambda f: f.size, reverse=True)[:5]
        names = ", ".join(f"{f.path} ({_human(f.size)})" for f in biggest)
        raise SourceError(
            f"{root}: {_human(total)} to ship is over the {_human(limit)} limit. Largest files: {names}. "
            "Add what the app does not need at run time to .hostwizignore (same syntax as .gitignore).")
    return Source(root, files, label or f"dir:{root}")


def redact_url(url: str) -> str:
    """A git URL without any user:password/token part (for labels, logs and messages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")  # never hang on a password prompt
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def clone(url: str, ref: str | None = None, limit: int = DEFAULT_LIMIT) -> Source:
    """`git clone` with the operator's git and credentials into a temporary directory, checked out
    at `ref` (branch, tag or commit; default the remote's HEAD), packed like a directory. The
    caller closes the returned Source (or uses it as a context manager) to remove the clone."""
    if shutil.which("git") is None:
        raise SourceError("git is not installed on this machine (needed for --git)")
    shown = redact_url(url)
    tmp = Path(tempfile.mkdtemp(prefix="hostwiz-git-"))
    work = tmp / "src"
    try:
        args = ["clone", "--quiet", "--depth", "1"] + (["--branch", ref] if ref else []) + ["--", url, str(work)]
        done = _git(*args)
        if done.returncode != 0 and ref:  # a commit id cannot be --branch: full clone, then checkout
            shutil.rmtree(work, ignore_errors=True)
            done = _git("clone", "--quiet", "--", url, str(work))
            if done.returncode == 0:
                done = _git("checkout", "--quiet", "--detach", ref, cwd=work)
                if done.returncode != 0:
                    raise SourceError(f"git: {shown} has no ref {ref!r}")
        if done.returncode != 0:
            err = done.stderr.strip().replace(url, shown).splitlines()
            raise SourceError(f"git clone {shown} failed: {err[-1] if err else 'exit ' + str(done.returncode)}")
        sha = _git("rev-parse", "--short=12", "HEAD", cwd=work).stdout.strip()
        src = pack_directory(work, limit, label=f"git:{shown}@{sha}")
        src.cleanup = tmp
        return src
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --- what the app is ------------------------------------------------------------------------

def detect_runtime(root: Path) -> str:
    root = Path(root)
    if (root / "Dockerfile").is_file():
        return "docker"
    if (root / "package.json").is_file() or (root / "package-lock.json").is_file():
        return "nodejs"
    if (root / "requirements.txt").is_file() or (root / "pyproject.toml").is_file():
        return "python"
    if (root / "Gemfile").is_file():
        return "ruby"
    if (root / "composer.json").is_file() or (root / "index.php").is_file() \
            or (root / "public" / "index.php").is_file():
        return "php"
    return "static"


def procfile_web(root: Path) -> str | None:
    f = Path(root) / "Procfile"
    if not f.is_file():
        return None
    for line in f.read_text(errors="replace").splitlines():
        m = re.match(r"^\s*web\s*:\s*(.+?)\s*$", line)
        if m:
            return m.group(1)
    return None


def default_start(root: Path, runtime: str) -> str | None:
    """The runtime's own convention, when the app follows it (the app reads $PORT)."""
    root = Path(root)
    if runtime == "nodejs":
        import json

        try:
            pkg = json.loads((root / "package.json").read_text())
        except (OSError, ValueError):
            pkg = {}
        if isinstance(pkg, dict) and isinstance(pkg.get("scripts"), dict) and pkg["scripts"].get("start"):
            return "npm start"
        for name in ("server.js", "index.js", "app.js"):
            if (root / name).is_file():
                return f"node {name}"
    elif runtime == "python":
        for name in ("app.py", "main.py", "server.py"):
            if (root / name).is_file():
                return f"python {name}"
    elif runtime == "ruby":
        if (root / "config.ru").is_file():
            return "bundle exec rackup --host 127.0.0.1 --port $PORT"
    return None


DEFAULT_HINT = {
    "nodejs": 'a "start" script in package.json, or a server.js/index.js',
    "python": "an app.py or main.py that listens on $PORT",
    "ruby": "a config.ru (rackup)",
}


def image_plan(image: str, start: str | None = None) -> AppPlan:
    """A release that is a container image pulled on the instance (`--image`); its CMD runs unless
    `start` overrides it. The image listens on $PORT."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}", image or ""):
        raise SourceError(f"{image!r} is not an image reference (e.g. nginx:1.27 or 1234.dkr.ecr.../app:v2)")
    return AppPlan("image", start, "[app].start" if start else "")


def plan(root: Path, start: str | None = None, runtime: str | None = None) -> AppPlan:
    """Runtime and start command: `[app].start` if given, else the Procfile's `web:` line, else the
    runtime's default. `SourceError` names the three ways to provide one when none is found."""
    rt = runtime or detect_runtime(root)
    if rt not in RUNTIMES:
        raise SourceError(f"unknown runtime {rt!r} (one of {', '.join(RUNTIMES)})")
    if start:
        return AppPlan(rt, start, "[app].start")
    web = procfile_web(root)
    if web:
        return AppPlan(rt, web, "Procfile")
    if rt in NO_START_NEEDED:
        return AppPlan(rt, None, "")
    found = default_start(root, rt)
    if found:
        return AppPlan(rt, found, "default")
    raise SourceError(
        f"no start command for this {rt} app. Add one of: `start = \"...\"` under [app] in the spec; "
        f"a Procfile with a `web: ...` line; or {DEFAULT_HINT[rt]} (the {rt} default).")
