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
    assert "ignore_imports" not in (ROOT / "pyproject.toml").read_text()  # no exemption anywhere


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


def test_a_cli_command_importing_a_screen_breaks_the_front_end_split(tree: Path):
    add_to(tree / "hostwiz" / "cli" / "status.py", "def sneaky():\n    from hostwiz.screens import home\n    return home")
    out = lint(tree)
    assert out.returncode != 0
    assert "hostwiz.cli.status -> hostwiz.screens.home" in out.stdout


def test_a_screen_importing_the_cli_breaks_the_front_end_split(tree: Path):
    add_to(tree / "hostwiz" / "screens" / "home.py", "def sneaky():\n    from hostwiz.cli import common\n    return common")
    out = lint(tree)
    assert out.returncode != 0
    assert "hostwiz.screens.home -> hostwiz.cli.common" in out.stdout


def contracts() -> list[dict]:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_core_is_the_same_list_in_every_contract():
    [layers] = [c for c in contracts() if c["type"] == "layers"]
    in_layers = {f"hostwiz.{m.strip()}" for m in layers["layers"][-1].split(":")}
    [plain] = [c for c in contracts() if c["name"].startswith("The core is plain Python")]
    assert in_layers == set(plain["source_modules"])


def imports_of(path: Path) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
            found.add("<dynamic import>")
    return found


def test_what_no_contract_covers_imports_nothing_it_should_not():
    """The package root and `__main__` are outside the layers: the root imports nothing, `__main__` only
    the entry point (hostwiz.main); and no module but the CLI's command loader imports by a computed name (invisible to grimp)."""
    assert imports_of(ROOT / "hostwiz" / "__init__.py") == set()
    assert imports_of(ROOT / "hostwiz" / "__main__.py") == {"sys", "hostwiz.main"}
    dynamic = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/**/*.py")
                     if p.parts[len(ROOT.parts)] in ("hostwiz", "cli", "screens", "services", "sandbox", "provisioners")
                     and "<dynamic import>" in imports_of(p) and not p.is_symlink())
    assert dynamic == ["cli/__init__.py"]


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
    names = [m for m in everything() if not m.startswith("hostwiz.screens") and m != "hostwiz.main"]
    assert "textual" not in loaded_after_import(names)


def test_installed_names_do_not_squat_generic_top_levels():
    from hostwiz import provisioners, screens

    assert provisioners.__name__ == "hostwiz.provisioners"
    assert Path(screens.__file__).resolve().parent == ROOT / "screens"
    loaded = loaded_after_import(everything())
    assert not loaded & {"provisioners", "screens", "services", "sandbox", "cli"}
