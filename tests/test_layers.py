"""The layers of the design, enforced: import-linter's contracts (pyproject.toml) hold, a
violation (even one hidden inside a function) breaks them, and importing hostwiz loads no heavy
library (startup speed, and moto's rule that no client exists at import time)."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hostwiz

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())", "--no-cache"]


def lint(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # this tree's hostwiz before the installed one
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_layer_contracts_hold():
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 kept, 0 broken" in out.stdout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the sources (the layer folders as the installed package sees them)."""
    shutil.copytree(ROOT / "hostwiz", tmp_path / "hostwiz", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def add_to(path: Path, code: str) -> None:
    path.write_text(path.read_text() + "\n\n" + code + "\n")


def test_core_reaching_up_inside_a_function_breaks_the_layers(tree: Path):
    add_to(tree / "hostwiz" / "events.py", "def sneaky():\n    from hostwiz.provisioners import aws\n    return aws")
    out = lint(tree)
    assert out.returncode != 0
    assert "hostwiz.events -> hostwiz.provisioners.aws" in out.stdout


def test_a_screen_calling_boto3_breaks_the_front_end_contract(tree: Path):
    add_to(tree / "hostwiz" / "screens" / "home.py", "def sneaky():\n    import boto3\n    return boto3")
    out = lint(tree)
    assert out.returncode != 0
    assert "hostwiz.screens.home -> boto3" in out.stdout


def test_a_screen_calling_a_provisioner_directly_breaks_the_front_end_contract(tree: Path):
    add_to(tree / "hostwiz" / "screens" / "detail.py",
           "def sneaky():\n    from hostwiz.provisioners import teardown\n    return teardown")
    out = lint(tree)
    assert out.returncode != 0
    assert "hostwiz.screens.detail -> hostwiz.provisioners.teardown" in out.stdout


def test_a_new_core_module_must_be_placed_in_a_layer(tree: Path):
    (tree / "hostwiz" / "stray.py").write_text("X = 1\n")
    out = lint(tree)
    assert out.returncode != 0
    assert "hostwiz.stray" in out.stdout


def everything() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(hostwiz.__path__, "hostwiz.")]
    assert "hostwiz.screens.home" in found and "hostwiz.services.stacks" in found
    return [m for m in found if not m.endswith("__main__")]


def loaded_after_import(names: list[str]) -> set[str]:
    code = ("import sys\n" + "".join(f"import {n}\n" for n in names) +
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_everything_loads_no_aws_or_ssh_library():
    # the sandbox's SSH server is paramiko by nature; the rest must stay lazy
    names = [m for m in everything() if m != "hostwiz.sandbox.ssh_server"]
    loaded = loaded_after_import(names)
    assert not loaded & {"boto3", "botocore", "moto", "paramiko"}


def test_nothing_but_the_screens_loads_textual():
    names = [m for m in everything() if not m.startswith(("hostwiz.screens", "hostwiz.cli.tui"))]
    assert "textual" not in loaded_after_import(names)


def test_installed_names_do_not_squat_generic_top_levels():
    from hostwiz import provisioners, screens

    assert provisioners.__name__ == "hostwiz.provisioners"
    assert Path(screens.__file__).resolve().parent == ROOT / "screens"
    loaded = loaded_after_import(everything())
    assert not loaded & {"provisioners", "screens", "services", "sandbox", "cli"}
