"""The layer rules of the design: core and provisioners never import textual; screens never
import boto3; nothing imports boto3, paramiko or moto just by being imported (startup speed,
and moto's rule that clients are never made at import time)."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import hostwiz

ROOT = Path(__file__).resolve().parent.parent


def modules(package: str) -> list[str]:
    mod = __import__(package, fromlist=["_"])
    found = [package] + [m.name for m in pkgutil.walk_packages(mod.__path__, package + ".")]
    return [m for m in found if not m.endswith("__main__")]


def everything() -> list[str]:
    # screens/ and provisioners/ are mapped into the package, so walk them by their own names
    names = modules("hostwiz") + modules("hostwiz.provisioners")
    try:
        names += modules("hostwiz.screens")
    except ImportError:
        pass
    return names


def loaded_after_import(names: list[str]) -> set[str]:
    code = ("import sys\n" + "".join(f"import {n}\n" for n in names) +
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_and_provisioners_never_load_textual():
    names = [m for m in everything() if not m.startswith("hostwiz.screens")]
    assert "textual" not in loaded_after_import(names)


def test_importing_everything_loads_no_aws_or_ssh_library():
    names = [m for m in everything() if "sandbox" not in m]
    loaded = loaded_after_import(names)
    assert not loaded & {"boto3", "botocore", "moto", "paramiko"}


def imported_roots(folder: str) -> dict[str, set[str]]:
    """Every module each file imports, anywhere in it (functions included), by its top name."""
    out = {}
    for path in (ROOT / folder).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names
    return out


def test_screens_never_import_boto3_anywhere_in_their_code():
    bad = {f: n & {"boto3", "botocore"} for f, n in imported_roots("screens").items() if n & {"boto3", "botocore"}}
    assert not bad


def test_core_and_provisioners_never_import_textual_anywhere_in_their_code():
    files = {**imported_roots("hostwiz"), **imported_roots("provisioners")}
    assert files, "no source files found"
    bad = {f: n & {"textual", "rich"} for f, n in files.items() if n & {"textual"} and not f.startswith("hostwiz/cli/tui")}
    assert not bad


def test_core_never_imports_boto3_directly():
    bad = {f for f, n in imported_roots("hostwiz").items() if n & {"boto3"}}
    assert not bad


def test_installed_names_do_not_squat_generic_top_levels():
    from hostwiz import provisioners

    assert Path(hostwiz.__file__).parent.name == "hostwiz"
    assert provisioners.__name__ == "hostwiz.provisioners"
    assert Path(provisioners.__file__).parent == ROOT / "provisioners"
    loaded = loaded_after_import(everything())
    assert not loaded & {"provisioners", "screens"}
