"""What the code can show a user, found by reading the code (ast), not from a hand-kept list.

Used by ``tests/test_catalogue.py`` and by the user guide's test: every error a raise site
builds, every warning code, every custody action and every remedy the code names.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("collectors", "evidence_store", "forensics_app", "report_templates")
#: the command line speaks English on purpose (a stable, scriptable contract); what it alone raises stays English
ENGLISH_ONLY = ("forensics_app/cli/",)
ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text[:120]}"


def modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            yield rel, ast.parse(path.read_text("utf-8"), rel)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def error_classes(trees: list[tuple[str, ast.Module]]) -> dict[str, ast.ClassDef]:
    """Every class that derives from ForensicsError (by name, to a fixed point), with its definition."""
    found: dict[str, ast.ClassDef] = {}
    names = {"ForensicsError"}
    changed = True
    while changed:
        changed = False
        for _rel, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names \
                        and any(_name(base) in names for base in node.bases):
                    names.add(node.name)
                    found[node.name] = node
                    changed = True
    for _rel, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "ForensicsError":
                found["ForensicsError"] = node
    return found


def _class_default_vi(cls: ast.ClassDef) -> bool:
    return any(isinstance(s, ast.Assign) and any(_name(t) == "default_vi" for t in s.targets)
               and isinstance(s.value, ast.Constant) and s.value.value for s in cls.body)


def _init_params(cls: ast.ClassDef) -> list[str] | None:
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
            return [a.arg for a in stmt.args.args[1:]] + [a.arg for a in stmt.args.kwonlyargs]
    return None


def raise_sites() -> tuple[list[Site], list[Site]]:
    """(every construction of one of our errors, those without a Vietnamese message)."""
    trees = list(modules())
    classes = error_classes(trees)
    with_default = {n for n, c in classes.items() if _class_default_vi(c)}
    sites, missing = [], []
    for rel, tree in trees:
        if rel.startswith(ENGLISH_ONLY):
            continue
        source = (ROOT / rel).read_text("utf-8")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in classes or (isinstance(node.func, ast.Attribute) and _name(node.func.value) == "click"):
                continue
            site = Site(rel, node.lineno, " ".join((ast.get_source_segment(source, node) or "").split()))
            sites.append(site)
            keywords = {k.arg for k in node.keywords}
            params = _init_params(classes[name]) if name != "ForensicsError" else None
            if "message_vi" in keywords or name in with_default:
                continue
            if params is not None and "message_vi" not in params:
                continue  # the class words both languages itself (checked at its super().__init__ below)
            missing.append(site)
    for name, cls in classes.items():  # classes with their own __init__ pass message_vi up
        params = _init_params(cls)
        if params is None or "message_vi" in params or name == "ForensicsError":
            continue
        supers = [n for n in ast.walk(cls) if isinstance(n, ast.Call) and _name(n.func) == "__init__"]
        if not any("message_vi" in {k.arg for k in s.keywords} for s in supers):
            missing.append(Site(name, cls.lineno, f"class {name}: __init__ passes no message_vi"))
    return sites, missing


def messages_vi() -> list[tuple[Site, str]]:
    """The literal parts of every ``message_vi=`` (what the test reads for command-line flags)."""
    out = []
    for rel, tree in modules():
        if rel.startswith(ENGLISH_ONLY):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "message_vi":
                parts = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
                out.append((Site(rel, node.value.lineno, " ".join(parts)), " ".join(parts)))
    return out


def remedies() -> dict[str, Site]:
    found = {}
    for rel, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "remedy" and isinstance(node.value, ast.Constant):
                found.setdefault(str(node.value.value), Site(rel, node.value.lineno, str(node.value.value)))
    return found


# -- warnings ------------------------------------------------------------------------------------------------
def _warning_wrappers(trees: list[tuple[str, ast.Module]]) -> set[str]:
    """ItemWarning and the helpers that build one from (code, English, Vietnamese, …)."""
    names = {"ItemWarning"}
    for _rel, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                params = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
                if params[:3] in (["code", "en", "vi"], ["code", "message", "message_vi"]):
                    names.add(node.name)
    return names


def _enclosing(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    """Each node -> the innermost function that holds it (the module for top-level code)."""
    owner: dict[ast.AST, ast.AST] = {}

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            owner[child] = scope
            visit(child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope)

    visit(tree, tree)
    return owner


def warning_codes() -> tuple[dict[str, Site], list[Site]]:
    """(code -> first place it is raised, warning sites whose code this scan cannot resolve)."""
    trees = list(modules())
    wrappers = _warning_wrappers(trees)
    codes: dict[str, Site] = {}
    unresolved: list[Site] = []
    for rel, tree in trees:
        tables = {t.targets[0].id: t.value for t in tree.body if isinstance(t, ast.Assign)
                  and isinstance(t.targets[0], ast.Name) and isinstance(t.value, ast.Dict)}
        owner = _enclosing(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in wrappers:
                continue
            if _name(node.func) != "ItemWarning" and len(node.args) < 3:
                continue  # another function of the same name (a note on a viewer …)
            func = owner.get(node, tree)
            params = {a.arg for a in func.args.args} if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else set()
            assigned = {n.targets[0].id: n.value for n in ast.walk(func) if isinstance(n, ast.Assign)
                        and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)}
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "code"), None)
            site = Site(rel, node.lineno, ast.unparse(node)[:120])
            for code in _resolve_code(arg, params, assigned, tables, node):
                if code is None:
                    unresolved.append(site)
                elif code:
                    codes.setdefault(code, site)
    return codes, unresolved


def _outcomes(node: ast.expr) -> list[str | None]:
    """The string values an expression can end as (the branches of a conditional, not its tests)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _outcomes(node.body) + _outcomes(node.orelse)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return [v for value in node.value.values for v in _outcomes(value)]
    return [None]


def _resolve_code(arg: ast.expr | None, params: set[str], assigned: dict[str, ast.expr],
                  tables: dict[str, ast.Dict], call: ast.Call) -> list[str | None]:
    """Literal codes an argument can take; '' for a relay of a code recorded elsewhere; None when unknown."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.Name) and arg.id in params and arg.id == "code":
        return [""]  # a wrapper passing its own parameter on: its callers are scanned
    if isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Constant) and arg.slice.value == "code":
        return [""]  # a note recorded with its code (scanned where it was recorded) relayed as a warning
    if isinstance(arg, ast.Name) and arg.id in assigned:
        return _outcomes(assigned[arg.id])
    if isinstance(arg, ast.JoinedStr) and len(arg.values) == 2 and isinstance(arg.values[0], ast.Constant) \
            and isinstance(arg.values[1], ast.FormattedValue) and isinstance(arg.values[1].value, ast.Name):
        var = arg.values[1].value.id
        for node in ast.walk(call):  # f"prefix_{r}" next to TABLE[r]: every key of that module-level table
            if isinstance(node, ast.Subscript) and _name(node.value) in tables and _name(node.slice) == var:
                return [f"{arg.values[0].value}{k.value}" for k in tables[_name(node.value)].keys
                        if isinstance(k, ast.Constant)]
    return [None]


# -- custody actions -----------------------------------------------------------------------------------------
def custody_actions() -> tuple[dict[str, Site], list[Site]]:
    """(action -> a place that logs it, ``log`` calls whose action this scan cannot resolve)."""
    actions: dict[str, Site] = {}
    unresolved: list[Site] = []
    for rel, tree in modules():
        constants = {t.targets[0].id: t.value.value for t in tree.body if isinstance(t, ast.Assign)
                     and isinstance(t.targets[0], ast.Name) and isinstance(t.value, ast.Constant)}
        funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for func in funcs:
            if func.name == "log":
                continue  # the log method itself: what its callers pass is scanned at their call
            for node in ast.walk(func):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                if name == "log" and isinstance(node.func, ast.Attribute) and node.args:
                    arg = node.args[0]
                elif name == "append" and _name(getattr(node.func, "value", node.func)) == "custody" \
                        and len(node.args) > 1:
                    arg = node.args[1]  # vault.custody.append(signer, action, …)
                else:
                    continue
                site = Site(rel, node.lineno, ast.unparse(node)[:100])
                found = _resolve_action(arg, func, constants, tree)
                if found is None:
                    unresolved.append(site)
                for action in found or []:
                    actions.setdefault(action, site)
            for node in ast.walk(func):  # entries built as tuples for a batch of log entries: ("item.acquire", …)
                if isinstance(node, ast.Call) and _name(node.func) == "append" and node.args \
                        and isinstance(node.args[0], ast.Tuple) and node.args[0].elts \
                        and isinstance(node.args[0].elts[0], ast.Constant) \
                        and isinstance(node.args[0].elts[0].value, str) and ACTION.match(node.args[0].elts[0].value) \
                        and _name(getattr(node.func, "value", node.func)) == "entries":
                    actions.setdefault(node.args[0].elts[0].value, Site(rel, node.lineno, "entries.append"))
    return actions, unresolved


def _literals(node: ast.AST) -> list[str]:
    return [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
            and ACTION.match(c.value)]


def _resolve_action(arg: ast.expr, func: ast.FunctionDef | ast.AsyncFunctionDef, constants: dict[str, object],
                    tree: ast.Module) -> list[str] | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value] if ACTION.match(arg.value) else None
    if isinstance(arg, ast.IfExp):
        return [v for v in _outcomes(arg) if v] or None
    if isinstance(arg, ast.Name):
        if arg.id in constants and isinstance(constants[arg.id], str):
            return [str(constants[arg.id])]
        for node in ast.walk(func):  # action = {…}[status] / "a" if … else "b"
            if isinstance(node, ast.Assign) and any(_name(t) == arg.id for t in node.targets):
                return _literals(node.value) or None
        params = func.args.args + func.args.kwonlyargs
        defaults = dict(zip([a.arg for a in func.args.args][-len(func.args.defaults):], func.args.defaults, strict=True)) \
            if func.args.defaults else {}
        defaults |= {a.arg: d for a, d in zip(func.args.kwonlyargs, func.args.kw_defaults, strict=True) if d is not None}
        if any(a.arg == arg.id for a in params):  # a parameter: its default and what callers in the module pass
            found = _literals(defaults[arg.id]) if arg.id in defaults else []
            index = [a.arg for a in func.args.args].index(arg.id) if arg.id in [a.arg for a in func.args.args] else -1
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _name(node.func) == func.name:
                    for kw in node.keywords:
                        if kw.arg == arg.id:
                            found += _literals(kw.value)
                    if 0 <= index < len(node.args):
                        found += _literals(node.args[index])
            return found or None
    return None
