"""crm_xl.core must not import any Excel library (DESIGN.md section 3, rule 1)."""

import ast
import pathlib

import crm_xl

FORBIDDEN = {"xlwings", "openpyxl", "python_calamine", "xlsxwriter", "pyxlsb", "xlrd"}
CORE = pathlib.Path(crm_xl.__file__).parent / "core"


def _imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {
            "import_module",
            "__import__",
        }:
            if node.args and isinstance(node.args[0], ast.Constant):
                names.add(str(node.args[0].value).split(".")[0])
    return names


def test_core_imports_no_excel_library():
    files = sorted(CORE.rglob("*.py"))
    assert files, "crm_xl/core has no modules"
    offenders = {str(p.relative_to(CORE)): sorted(_imported_modules(p) & FORBIDDEN) for p in files}
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_core_relative_imports_stay_outside_excel_layers():
    """core may use crm_xl.schema/settings/errors, never crm_xl.excel/render/io."""
    bad = {}
    for p in sorted(CORE.rglob("*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                top = node.module.split(".")[0]
                if top in {"excel", "render", "io", "cli"}:
                    bad.setdefault(str(p.relative_to(CORE)), []).append(node.module)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith("crm_xl."):
                top = node.module.split(".")[1]
                if top in {"excel", "render", "io", "cli"}:
                    bad.setdefault(str(p.relative_to(CORE)), []).append(node.module)
    assert bad == {}


def test_core_runs_with_excel_libraries_blocked(tmp_path):
    """Importing every core module in a fresh interpreter where Excel libraries are
    unimportable must succeed."""
    import subprocess
    import sys

    mods = [
        "crm_xl.core." + p.stem
        for p in sorted(CORE.glob("*.py"))
        if p.stem != "__init__"
    ]
    code = (
        "import sys\n"
        f"for m in {sorted(FORBIDDEN)!r}: sys.modules[m] = None\n"
        "import importlib\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_a_new_report_is_written_without_openpyxl(tmp_path):
    """`crm-xl report OUT --input orders.csv` (a new workbook) and `crm-xl demo` write the package
    themselves (crm_xl.render.parts, issue 20): the command's process never imports openpyxl, nor
    urllib.request (xml.sax.saxutils imports it: crm_xl.xmlescape), and holds pandas' texts as
    Python objects (crm_xl.startup.prefer_python_strings)."""
    import os
    import subprocess
    import sys

    csv = tmp_path / "orders.csv"
    rows = [f"SO{i:04d},C{i % 37:03d},2024-0{1 + i % 9}-1{i % 10},{100 + i * 7.5:.2f}" for i in range(400)]
    csv.write_text("订单编号,客户ID,下单日期,订单金额\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code = ("import sys; from crm_xl.cli import run; sys.argv = ['crm-xl', *sys.argv[1:], '-q']; code = run(); "
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl'), 'urllib.request' in sys.modules, "
            "sys.modules['pandas'].get_option('mode.string_storage'))")
    for args in (["report", str(tmp_path / "new.xlsx"), "--input", str(csv), "--as-of", "2024-10-01"],
                 ["demo", "-o", str(tmp_path / "demo.xlsx"), "--customers", "40"]):
        out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(pathlib.Path(crm_xl.__file__).parents[1])}).stdout
        assert out.strip().splitlines()[-1] == "0 [] False python", (args[0], out)
