"""The layers stay layers: one door into the vault, and no import running back up.

gui, cli -> services -> collectors / evidence_store / report_templates. Only
``evidence_store`` knows the database: nothing else opens SQLCipher, touches a
vault's connection or private members, or writes SQL against it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("forensics_app", "collectors", "evidence_store", "report_templates")
MAY_NOT_IMPORT = {
    "evidence_store": ("forensics_app", "collectors", "report_templates"),
    "collectors": ("forensics_app", "report_templates"),
    "report_templates": ("forensics_app", "collectors"),
    "forensics_app.services": ("forensics_app.gui", "forensics_app.cli"),
    "forensics_app.cli": ("forensics_app.gui",),
}
SQL = re.compile(r"^\s*(SELECT\b.+\bFROM\b|INSERT( OR \w+)? INTO\b|UPDATE \w+ SET\b|DELETE FROM\b|"
                 r"CREATE (VIRTUAL |UNIQUE )?(TABLE|INDEX)\b|DROP (TABLE|INDEX)\b|ALTER TABLE\b|PRAGMA \w+|"
                 r"BEGIN( IMMEDIATE| EXCLUSIVE| TRANSACTION)?\s*$|COMMIT\s*$|ROLLBACK\s*$)", re.I | re.S)
LAUNCHERS = {"forensics_app.cli.gui_cmd"}  # `forensics gui` starts the desktop app: the one way from cli to gui
VAULT_NAMES = re.compile(r"(vault|reader)", re.I)


def _modules(package: str) -> list[tuple[str, Path, ast.Module]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found.append((name, path, ast.parse(path.read_text("utf-8"), str(path))))
    return found


def _imports(module: str, tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = module.split(".")[: -node.level]
                names.append(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                names.append(node.module)
    return names


def test_no_import_runs_back_up() -> None:
    wrong = []
    for package in PACKAGES:
        for module, path, tree in _modules(package):
            for layer, forbidden in MAY_NOT_IMPORT.items():
                if (module == layer or module.startswith(layer + ".")) and module not in LAUNCHERS:
                    wrong += [f"{path.relative_to(ROOT)} imports {name}" for name in _imports(module, tree)
                              if any(name == f or name.startswith(f + ".") for f in forbidden)]
    assert not wrong, "\n".join(wrong)


def test_only_the_vault_touches_the_database() -> None:
    wrong = []
    for package in ("forensics_app", "collectors", "report_templates"):
        for module, path, tree in _modules(package):
            rel = path.relative_to(ROOT)
            if any(name == "sqlcipher3" or name.startswith("sqlcipher3.") for name in _imports(module, tree)):
                wrong.append(f"{rel} imports sqlcipher3")
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute):
                    base = ast.unparse(node.value)
                    if node.attr == "conn":
                        wrong.append(f"{rel}:{node.lineno} touches {base}.conn")
                    elif node.attr.startswith("_") and not node.attr.startswith("__") and VAULT_NAMES.search(base) \
                            and base not in ("self", "cls"):
                        wrong.append(f"{rel}:{node.lineno} reaches into {base}.{node.attr}")
                elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
                      and package != "collectors"):  # collectors read evidence databases (browser history), not ours
                    wrong.append(f"{rel}:{node.lineno} holds SQL: {node.value[:50]!r}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_above_see_a_violation() -> None:
    """The scanner is not vacuous: it flags each kind of breach in a sample."""
    sample = ast.parse("vault.conn.execute('SELECT name FROM items')\nwith vault._write():\n    pass\n")
    attrs = [n.attr for n in ast.walk(sample) if isinstance(n, ast.Attribute)]
    texts = [n.value for n in ast.walk(sample) if isinstance(n, ast.Constant)]
    assert "conn" in attrs and "_write" in attrs and any(SQL.match(t) for t in texts)
    assert _imports("collectors.web.x", ast.parse("from ...forensics_app import services")) == ["forensics_app"]


def _top_level_imports(module: str, tree: ast.Module, known: set[str]) -> set[str]:
    """Modules of ours this one imports while it loads (statements at its top, not inside functions)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = module.split(".")[: -node.level] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            found |= {f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                      for alias in node.names}
    return found & known


def test_no_module_imports_one_that_imports_it_back() -> None:
    """A cycle among modules (packages' ``__init__`` aside) means one of them is used half-loaded."""
    modules = {name: tree for package in PACKAGES for name, _path, tree in _modules(package)}
    packages = {name for package in PACKAGES for name, path, _tree in _modules(package) if path.name == "__init__.py"}
    known = set(modules) - packages
    graph = {name: _top_level_imports(name, modules[name], known) for name in known}
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[name] = 2

    for name in sorted(known):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_every_import_of_our_own_modules_names_one_that_exists() -> None:
    """mypy ignores missing imports (third-party stubs), so a renamed module of ours would only fail when the
    line runs (a worker's social path, a rarely used dialog): caught here, lazy imports included."""
    missing = []
    for package in PACKAGES:
        for module, path, tree in _modules(package):
            here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else [])) \
                        if node.level else str(node.module)
                    names = [base]
                else:
                    continue
                missing += [f"{path.relative_to(ROOT)} imports {name}" for name in names
                            if name.split(".")[0] in PACKAGES and not _is_module(name)]
    assert not missing, "\n".join(missing)
