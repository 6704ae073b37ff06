"""Packing a source (ignore files, size limit, git), detecting runtime and start command, manifests
and deltas, and the remote script's hygiene (bash -n, shellcheck)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hostwiz.deploy import SourceError, clone, pack_directory, plan
from hostwiz.deploy import manifest as mf
from hostwiz.deploy.source import detect_runtime, redact_url

HERE = Path(__file__).resolve().parents[2] / "hostwiz" / "deploy"


def tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def paths(src) -> list[str]:
    return [f.path for f in src.files]


def test_gitignore_and_hostwizignore_are_honoured_at_every_level(tmp_path):
    tree(tmp_path, {
        ".gitignore": "*.log\n/dist/\n!keep.log\n", ".hostwizignore": "fixtures/\n",
        "app.py": "", "error.log": "", "keep.log": "", "dist/bundle.js": "", "src/dist/real.js": "",
        "fixtures/big.json": "", "src/.gitignore": "local.cfg\n", "src/local.cfg": "", "src/main.py": "",
        "other/local.cfg": "", ".git/HEAD": "", "node_modules/x/index.js": "", ".venv/bin/python": "",
    })
    assert paths(pack_directory(tmp_path)) == [
        ".gitignore", ".hostwizignore", "app.py", "keep.log", "other/local.cfg",
        "src/.gitignore", "src/dist/real.js", "src/main.py"]


def test_size_limit_names_the_largest_files(tmp_path):
    tree(tmp_path, {"small.txt": b"x" * 10, "video.mp4": b"x" * 3_000_000, "db.sqlite": b"x" * 2_000_000,
                    "app.py": b"x" * 100})
    with pytest.raises(SourceError) as err:
        pack_directory(tmp_path, limit=1_000_000)
    msg = str(err.value)
    assert "over the 976.6 KB limit" in msg
    assert msg.index("video.mp4 (2.9 MB)") < msg.index("db.sqlite (1.9 MB)") and ".hostwizignore" in msg
    (tmp_path / ".hostwizignore").write_text("*.mp4\n*.sqlite\n")
    assert paths(pack_directory(tmp_path, limit=1_000_000)) == [".hostwizignore", "app.py", "small.txt"]


def test_missing_or_empty_directories_are_refused(tmp_path):
    with pytest.raises(SourceError, match="no such directory"):
        pack_directory(tmp_path / "nope")
    (tmp_path / ".gitignore").write_text("*\n")
    with pytest.raises(SourceError, match="nothing to deploy"):
        pack_directory(tmp_path)


@pytest.mark.parametrize("files,runtime", [
    ({"Dockerfile": "", "package.json": "{}"}, "docker"),
    ({"package.json": "{}", "requirements.txt": ""}, "nodejs"),
    ({"requirements.txt": ""}, "python"),
    ({"pyproject.toml": ""}, "python"),
    ({"Gemfile": ""}, "ruby"),
    ({"composer.json": "{}"}, "php"),
    ({"public/index.php": ""}, "php"),
    ({"index.html": ""}, "static"),
])
def test_runtime_detection(tmp_path, files, runtime):
    assert detect_runtime(tree(tmp_path, files)) == runtime


def test_start_command_precedence_spec_then_procfile_then_default(tmp_path):
    tree(tmp_path, {"requirements.txt": "flask\n", "app.py": ""})
    assert (plan(tmp_path).start, plan(tmp_path).start_from) == ("python app.py", "default")
    (tmp_path / "Procfile").write_text("release: ./migrate\nweb: gunicorn -b 127.0.0.1:$PORT app:app\n")
    assert (plan(tmp_path).start, plan(tmp_path).start_from) == ("gunicorn -b 127.0.0.1:$PORT app:app", "Procfile")
    got = plan(tmp_path, start="uvicorn app:app --port $PORT")
    assert (got.start, got.start_from) == ("uvicorn app:app --port $PORT", "[app].start")
    node = tree(tmp_path / "n", {"package.json": '{"scripts": {"start": "node srv.js"}}'})
    assert plan(node).start == "npm start"
    static = tree(tmp_path / "s", {"index.html": ""})
    assert (plan(static).runtime, plan(static).start) == ("static", None)


def test_no_start_command_says_which_of_the_three_to_add(tmp_path):
    tree(tmp_path, {"requirements.txt": "flask\n", "wsgi.py": ""})
    with pytest.raises(SourceError) as err:
        plan(tmp_path)
    msg = str(err.value)
    assert "[app]" in msg and "start =" in msg and "Procfile" in msg and "web:" in msg and "app.py" in msg


def test_manifest_delta(tmp_path):
    tree(tmp_path, {"a.txt": "one", "b.txt": "two", "c/d.txt": "three"})
    first = mf.build(pack_directory(tmp_path))
    assert mf.loads(mf.dumps(first)) == first
    (tmp_path / "b.txt").write_text("TWO")
    (tmp_path / "c" / "d.txt").unlink()
    (tmp_path / "e.txt").write_text("new")
    os.chmod(tmp_path / "a.txt", 0o755)
    second = mf.build(pack_directory(tmp_path))
    d = mf.delta(second, first)
    assert (d.send, d.link, d.removed) == (["a.txt", "b.txt", "e.txt"], [], ["c/d.txt"])  # a.txt: mode changed
    os.chmod(tmp_path / "a.txt", 0o644)
    third = mf.build(pack_directory(tmp_path))
    d = mf.delta(third, second)
    assert (d.send, d.link) == (["a.txt"], ["b.txt", "e.txt"]) and d.bytes_to_send(third) == 3
    assert mf.loads("garbage") == {}


@pytest.fixture
def repo(tmp_path):
    if not shutil.which("git"):
        pytest.fail("git is missing") if os.environ.get("CI") == "true" else pytest.skip("git is not installed")
    r = tree(tmp_path / "repo", {"app.py": "v1", ".gitignore": "*.pyc\n"})
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e")
    git = lambda *a: subprocess.run(["git", *a], cwd=r, check=True, capture_output=True, env=env)  # noqa: E731
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "one")
    git("tag", "v1")
    (r / "app.py").write_text("v2")
    git("commit", "-qam", "two")
    return r


def test_git_source_is_cloned_locally_at_a_ref_and_removed_after(repo):
    with clone(str(repo)) as src:
        assert (src.root / "app.py").read_text() == "v2" and ".git" not in paths(src)
        assert src.label.startswith(f"git:{repo}@")
        where = src.cleanup
    assert not where.exists()
    with clone(str(repo), "v1") as src:
        assert (src.root / "app.py").read_text() == "v1"
    sha = subprocess.run(["git", "rev-parse", "HEAD~1"], cwd=repo, capture_output=True, text=True).stdout.strip()
    with clone(str(repo), sha) as src:  # a commit id is not a --branch: full clone, then checkout
        assert (src.root / "app.py").read_text() == "v1"
    with pytest.raises(SourceError, match="has no ref 'nope'"):
        clone(str(repo), "nope")


def test_git_errors_never_show_credentials(tmp_path):
    url = f"file://user:s3cr3t-token@localhost{tmp_path}/missing"
    with pytest.raises(SourceError) as err:
        clone(url)
    assert "s3cr3t" not in str(err.value) and "clone" in str(err.value)
    assert redact_url("https://x:tok@github.com/a/b.git") == "https://github.com/a/b.git"


def test_release_script_is_valid_bash_and_passes_shellcheck():
    script = HERE / "release.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    if not shutil.which("shellcheck"):
        if os.environ.get("CI") == "true":
            pytest.fail("shellcheck is missing (.ci/run installs it)")
        pytest.skip("shellcheck is not installed")
    proc = subprocess.run(["shellcheck", "--shell=bash", "--severity=style", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_deploy_core_stays_free_of_heavy_imports():
    code = ("import sys, hostwiz.deploy, hostwiz.deploy.release, hostwiz.deploy.source;"
            "bad=[m for m in ('paramiko','boto3','botocore','textual','moto') if m in sys.modules];"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_hash_cache_skips_files_whose_stat_is_unchanged(tmp_path):
    src_dir = tree(tmp_path / "src", {"a.bin": b"1" * 100, "b.bin": b"2" * 100})
    cache = tmp_path / "cache" / "hashes.json"
    first = mf.build(pack_directory(src_dir), cache)
    st = (src_dir / "a.bin").stat()
    with open(src_dir / "a.bin", "r+b") as f:  # same size, same inode, mtime put back: the cache answers
        f.write(b"X" * 100)
    os.utime(src_dir / "a.bin", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert mf.build(pack_directory(src_dir), cache)["a.bin"] == first["a.bin"]
    os.utime(src_dir / "a.bin", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # touched: hashed again
    again = mf.build(pack_directory(src_dir), cache)
    assert again["a.bin"] != first["a.bin"] and again["b.bin"] == first["b.bin"]
    assert mf.build(pack_directory(src_dir)) == again  # without a cache: the same answer
