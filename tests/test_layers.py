"""The package's layers as a contract (issue 18; DESIGN.md section 3): a module imports
only from its own layer or the layers below it, lazy imports inside functions included.

    ground   errors, schema, settings, sheet_names, texts, a1, atomic, safety, startup, beside
             (and render.opc, the OOXML package reader that reading a workbook needs too)
    core     crm_xl.core: the analysis, no Excel library (tests/test_import_boundary.py)
    intake   io, mapping, sources, demo: raw tables from files, databases, the generator
    report   crm_xl.report: analysis results -> ReportSpec
    render   crm_xl.render: ReportSpec -> .xlsx file or live Book
    excel    crm_xl.excel: worksheet functions, macros, add-in, template
    app      cli (one module per sub-command), the package's own entry points

KNOWN lists the doors that still go the wrong way, each with what would close it; a new
one fails this test, and so does a listed one that is gone (remove it from the list).
"""

import ast
import pathlib

import crm_xl

ROOT = pathlib.Path(crm_xl.__file__).parent

LAYERS = [
    ("ground", ("crm_xl.errors", "crm_xl.schema", "crm_xl.settings", "crm_xl.sheet_names", "crm_xl.texts", "crm_xl.a1",
                "crm_xl.atomic", "crm_xl.safety", "crm_xl.startup", "crm_xl.beside", "crm_xl.render.opc", "crm_xl.xmlescape",
                "crm_xl.__version__")),  # (the version constant of the package's __init__)
    ("core", ("crm_xl.core",)),
    ("intake", ("crm_xl.io", "crm_xl.mapping", "crm_xl.sources", "crm_xl.demo")),
    ("report", ("crm_xl.report",)),
    ("render", ("crm_xl.render",)),
    ("excel", ("crm_xl.excel",)),
    ("app", ("crm_xl", "crm_xl.cli", "crm_xl.__main__")),
]

# (importer, imported): why it is still there / what closes it
KNOWN = {}


def _layer(module: str) -> int | None:
    best = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (best is None or len(p) > best[1]):
                best = (i, len(p))
    return None if best is None else best[0]


def _module(path: pathlib.Path) -> str:
    parts = ["crm_xl", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: pathlib.Path) -> set[str]:
    """crm_xl modules ``path`` imports, relative ones resolved."""
    me = _module(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                if node.module:
                    out.add(".".join([*base, node.module]))
                else:
                    out.update(".".join([*base, a.name]) for a in node.names)
            elif node.module and node.module.split(".")[0] == "crm_xl":
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "crm_xl")
    return out


def _upward_imports() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(ROOT.rglob("*.py")):
        if "lite" in path.parts and path.parent.name != "lite":  # the xlwings Lite scripts are not the package
            continue
        me = _module(path)
        for target in _imports(path):
            lm, lt = _layer(me), _layer(target)
            if lm is not None and lt is not None and lt > lm:
                found.add((me, target))
    return found


def test_every_module_belongs_to_a_layer():
    missing = [m for m in map(_module, ROOT.rglob("*.py")) if _layer(m) is None]
    assert missing == []


def test_imports_go_down_the_layers():
    found = _upward_imports()
    new = sorted(found - set(KNOWN))
    assert new == [], "imports that go up a layer (see the module docstring): " + ", ".join(f"{a} -> {b}" for a, b in new)
    gone = sorted(set(KNOWN) - found)
    assert gone == [], f"no longer there, remove from KNOWN: {gone}"


def test_every_import_of_the_package_resolves():
    """Lazy imports inside functions run only when their path runs: a module moved to
    another layer must not leave one pointing at its old place."""
    import importlib
    import importlib.util

    broken = []
    for path in sorted(ROOT.rglob("*.py")):
        if "lite" in path.parts and path.parent.name != "lite":
            continue
        for target in _imports(path):
            try:
                if importlib.util.find_spec(target) is not None:
                    continue
            except ModuleNotFoundError:
                pass
            parent, _, name = target.rpartition(".")
            try:  # `from . import name` of a name defined in the package
                if hasattr(importlib.import_module(parent), name):
                    continue
            except ModuleNotFoundError:
                pass
            broken.append(f"{_module(path)} -> {target}")
    assert broken == []
