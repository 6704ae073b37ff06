"""The benchmarks import hostwiz inside their functions (each runs in its own process), so a moved
module breaks a benchmark only when someone runs it: two did (`hostwiz.ssh.target`, the old
thread-local client cache). Every hostwiz name a benchmark imports must exist."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def imported_names(path: Path) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("hostwiz"):
            out += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names if alias.name.startswith("hostwiz")]
    return out


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_hostwiz_name_a_benchmark_imports_exists(path):
    missing = []
    for module, name in imported_names(path):
        try:
            mod = importlib.import_module(module)
            if name is not None and not hasattr(mod, name):
                importlib.import_module(f"{module}.{name}")
        except ImportError as err:
            missing.append(f"{module}{'.' + name if name else ''}: {err}")
    assert not missing, missing

