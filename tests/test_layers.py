"""Imports point down only (STYLE §1): service -> ca -> cert -> rsa, ec -> der/pem -> errors;
gmpy2 is imported by bignum.py alone; the product imports nothing but the standard library and
gmpy2, except the optional extras' own modules, listed in OPTIONAL, which import their library
lazily where the CLI could reach them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "x509core"
RANK = {"errors": 0, "safe_text": 0, "lazy": 0, "der": 1, "pem": 1, "bignum": 1, "rsa": 2, "ec": 2, "cert": 3, "ca": 4,
        "service": 5, "__main__": 6, "__init__": 6}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1 and parts[-2] != "x509core":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.module


def _sources():
    files = sorted(PACKAGE.rglob("*.py"))
    assert files, "no sources found"
    return files


def test_imports_point_down_only():
    bad = []
    for path in _sources():
        own = _layer(_module_name(path))
        for name in _imports(path):
            if name.startswith("x509core.") and RANK[_layer(name)] > RANK[own]:
                bad.append(f"{path.relative_to(REPO)} imports {name}")
    assert not bad, bad


def test_only_the_bignum_module_imports_gmpy2():
    users = [str(p.relative_to(REPO)) for p in _sources() if any(n.split(".")[0] == "gmpy2" for n in _imports(p))]
    assert users == ["x509core/bignum.py"]


# The optional extras (pyproject.toml) and the modules (a file, or a folder ending in /) that
# may import each: x509core[postgres] and x509core[server] (aiohttp; Jinja2 for the admin pages).
OPTIONAL = {"x509core/ca/inventory/storage/postgres.py": {"psycopg"},
            "x509core/service/": {"aiohttp"}, "x509core/service/admin/": {"jinja2"}}


def _optional_for(relative: str) -> set:
    return {lib for place, libs in OPTIONAL.items() for lib in libs
            if relative == place or (place.endswith("/") and relative.startswith(place))}


def test_product_depends_on_stdlib_and_gmpy2_only():
    allowed = set(sys.stdlib_module_names) | {"x509core", "gmpy2"}
    foreign = {f"{p.relative_to(REPO)}: {n}" for p in _sources() for n in _imports(p)
               if n and n.split(".")[0] not in allowed | _optional_for(str(p.relative_to(REPO)))}
    assert not foreign, foreign


def test_optional_libraries_are_imported_inside_functions_only():
    """Importing the package (or the CLI) must not need an optional extra installed."""
    relative = "x509core/ca/inventory/storage/postgres.py"
    tree = ast.parse((REPO / relative).read_text())
    for node in tree.body:                    # module level only
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        assert not {n.split(".")[0] for n in names} & OPTIONAL[relative], (relative, names)


def test_the_command_line_registers_the_service_without_its_extra():
    # `x509core --help` and every CA command must work where aiohttp is not installed.
    for name in ("__init__.py", "cli.py"):
        path = PACKAGE / "service" / name
        top_level = [node for node in ast.parse(path.read_text()).body
                     if isinstance(node, (ast.Import, ast.ImportFrom))]
        names = {alias.name for node in top_level if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module for node in top_level if isinstance(node, ast.ImportFrom) and node.module}
        assert not {n for n in names if n.split(".")[0] in OPTIONAL["x509core/service/"]}, (name, names)


def test_no_top_level_rsa_or_der_package():
    # A top-level "rsa" would overwrite python-rsa in users' environments (README, design).
    for name in ("rsa", "der"):
        assert not (REPO / name).exists()
        assert not (REPO / f"{name}.py").exists()
