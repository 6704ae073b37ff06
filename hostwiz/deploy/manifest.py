"""A release's manifest (path -> content hash, size, mode) and the delta against the previous one.

Only new or changed files travel; unchanged files are hard-linked on the instance from the
previous release (same content and mode), and files the new release no longer has are simply
not linked.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .source import Source

VERSION = 1


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int
    mode: int  # permission bits; a symlink is mode 0o777 with sha256 of "link:" + target


Manifest = dict  # path -> Entry


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def build(source: Source, cache: Path | None = None) -> dict[str, Entry]:
    """Hashes of the source's files. With `cache` (a JSON file on this machine, one per source
    directory), a file whose size, mtime and inode are unchanged since it was last hashed is not
    read again, as git's index does; the cache holds paths and hashes, never contents."""
    known: dict[str, list] = {}
    if cache is not None:
        try:
            data = json.loads(Path(cache).read_text())
            if data.get("root") == str(source.root):
                known = data.get("files", {})
        except (OSError, ValueError, AttributeError):
            known = {}
    out: dict[str, Entry] = {}
    fresh: dict[str, list] = {}
    for f in source.files:
        if f.link is not None:
            out[f.path] = Entry(hashlib.sha256(b"link:" + f.link.encode()).hexdigest(), 0, 0o777)
            continue
        path = source.root / f.path
        st = path.stat()
        key = [st.st_size, st.st_mtime_ns, st.st_ino]
        hit = known.get(f.path)
        digest = hit[3] if hit and hit[:3] == key else _hash_file(path)
        fresh[f.path] = key + [digest]
        out[f.path] = Entry(digest, f.size, f.mode)
    if cache is not None:
        tmp = Path(str(cache) + ".tmp")
        try:
            Path(cache).parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"root": str(source.root), "files": fresh}, separators=(",", ":")))
            tmp.replace(cache)
        except OSError:
            pass  # a cache that cannot be written only costs time
    return out


def dumps(manifest: dict[str, Entry]) -> str:
    return json.dumps({"version": VERSION, "files": {p: [e.sha256, e.size, e.mode] for p, e in sorted(manifest.items())}},
                      separators=(",", ":"))


def loads(text: str) -> dict[str, Entry]:
    """A manifest from its JSON; an empty one for missing or unreadable text (everything travels)."""
    try:
        data = json.loads(text)
        return {p: Entry(str(v[0]), int(v[1]), int(v[2])) for p, v in data["files"].items()}
    except (ValueError, KeyError, TypeError, IndexError):
        return {}


@dataclass
class Delta:
    send: list[str]  # new or changed: travel
    link: list[str]  # unchanged: hard-linked from the previous release
    removed: list[str]  # in the previous release only

    def bytes_to_send(self, manifest: dict[str, Entry]) -> int:
        return sum(manifest[p].size for p in self.send)


def delta(new: dict[str, Entry], previous: dict[str, Entry]) -> Delta:
    send, link = [], []
    for path, entry in sorted(new.items()):
        # names with a line break always travel: the instance matches the link list line by line
        (link if previous.get(path) == entry and "\n" not in path else send).append(path)
    return Delta(send, link, sorted(set(previous) - set(new)))
