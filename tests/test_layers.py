"""Imports run one way: db < the workers (evidence) < readiness < the web UI and the
command line. A lower layer never imports a higher one, at the top of a module or inside
a function, so each can be read, tested and changed knowing only what is beneath it."""

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("db", "workers", "readiness", "faces")
# The faces: the web UI, and the command line with its terminal rendering.
FACES = ("evidence.web", "evidence.cli", "evidence.__main__")


def layer(module: str) -> int | None:
    """The layer of one of the project's modules; None for anything else."""
    if module == "db" or module.startswith("db."):
        return 0
    if any(module == face or module.startswith(f"{face}.") for face in FACES):
        return 3
    if module == "evidence" or module.startswith("evidence."):
        return 1
    if module == "readiness" or module.startswith("readiness."):
        return 2
    return None


def backward_imports(root: Path) -> list[str]:
    """Every import by which a module of the project reaches a higher layer than its own:
    "file:line: module (layer) imports module (layer)"."""
    found = []
    for path in sorted(path for top in ("db", "evidence", "readiness")
                       for path in (root / top).rglob("*.py")):  # fmt: skip
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        own = layer(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                reached = layer(name)
                if reached is not None and own is not None and reached > own and own < 3:
                    found.append(
                        f"{path.relative_to(root)}:{node.lineno}: {module} ({LAYERS[own]})"
                        f" imports {name} ({LAYERS[reached]})"
                    )
                    break
    return found


def test_imports_run_one_way():
    assert backward_imports(ROOT) == []


def test_a_backward_import_is_caught_wherever_it_is(tmp_path):
    for top in ("db", "evidence", "readiness"):
        shutil.copytree(ROOT / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "db" / "extra.py").write_text(
        "def helper():\n    from evidence import catalog\n    return catalog\n"
    )
    with (tmp_path / "readiness" / "assess.py").open("a") as module:
        module.write("\n\ndef shown():\n    import evidence.web.stats\n")
    assert backward_imports(tmp_path) == [
        "db/extra.py:2: db.extra (db) imports evidence (workers)",
        f"readiness/assess.py:{_last_line(tmp_path / 'readiness' / 'assess.py')}:"
        " readiness.assess (readiness) imports evidence.web.stats (faces)",
    ]


def _last_line(path: Path) -> int:
    return len(path.read_text().splitlines())
