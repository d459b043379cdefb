"""House rules of the package's shape (issue 18): small modules with one job.

* No module of crm_xl is over MAX_LINES lines unless its module docstring says why, in a
  paragraph starting with REASON_MARK (a module that long is usually several jobs: split it
  along its own seams first).
* KNOWN lists the long modules that other work is reshaping now; a new long module fails,
  and so does a listed one that is no longer long (remove it from the list).

* No function is over MAX_FUNCTION_LINES lines unless a comment in it says why, a line
  starting with ``# Why this function is long:`` (a function that long is usually several
  steps: give them names first). LONG_FUNCTIONS lists those being split now.

Function complexity has its rule in pyproject's ruff config (C901 at 25, a reason in the
``# noqa: C901 - why`` comment), run by ``ruff check`` in CI.
"""

import ast
import pathlib

import crm_xl

ROOT = pathlib.Path(crm_xl.__file__).parent
MAX_LINES = 600
REASON_MARK = "Why this module is long:"

# module (relative to crm_xl/): what is reshaping it
KNOWN: dict[str, str] = {}

MAX_FUNCTION_LINES = 80
FUNCTION_REASON = "# Why this function is long:"
# "module:function" over the limit without a reason, being split (issue 18, item 4)
LONG_FUNCTIONS: set[str] = set()


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path


def _lines(path: pathlib.Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _reason(path: pathlib.Path) -> str:
    """The text after REASON_MARK in the module docstring ('' when there is none)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    at = doc.find(REASON_MARK)
    return "" if at < 0 else doc[at + len(REASON_MARK):].strip().split("\n\n")[0]


def test_no_module_is_long_without_a_reason():
    long = {name: _lines(path) for name, path in _modules()
            if _lines(path) > MAX_LINES and name not in KNOWN and len(_reason(path)) < 40}
    assert long == {}, (f"modules over {MAX_LINES} lines: split them along their seams, or say why in the "
                        f"module docstring ('{REASON_MARK} ...')")


def test_known_long_modules_are_still_long():
    gone = [name for name in KNOWN if not (ROOT / name).exists() or _lines(ROOT / name) <= MAX_LINES]
    assert gone == [], "no longer over the limit: remove them from KNOWN"


def test_a_reason_is_given_only_where_needed():
    stale = [name for name, path in _modules() if _reason(path) and _lines(path) <= MAX_LINES]
    assert stale == [], f"at most {MAX_LINES} lines now: remove the '{REASON_MARK}' paragraph"


def test_the_rule_sees_a_long_module_and_its_reason(tmp_path):
    """The checks themselves: a long module is found, and a reason in its docstring is read."""
    body = "x = 1\n" * (MAX_LINES + 1)
    plain = tmp_path / "plain.py"
    plain.write_text('"""One job."""\n' + body, encoding="utf-8")
    reasoned = tmp_path / "reasoned.py"
    reasoned.write_text(f'"""One job.\n\n{REASON_MARK} one table of {MAX_LINES} constants, read as one.\n"""\n'
                        + body, encoding="utf-8")
    assert _lines(plain) > MAX_LINES and _reason(plain) == ""
    assert _reason(reasoned) == f"one table of {MAX_LINES} constants, read as one."


def long_functions(source: str) -> dict[str, int]:
    """Functions (and methods) of ``source`` over MAX_FUNCTION_LINES lines (its docstring
    not counted) without a FUNCTION_REASON comment inside them: name -> lines."""
    lines = source.splitlines()
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            doc = node.body[0] if node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str) else None
            if doc is not None:  # (the docstring is not code: a numpy-style one is often 20 lines)
                n -= doc.end_lineno - doc.lineno + 1
            body = lines[node.lineno - 1:node.end_lineno]
            if n > MAX_FUNCTION_LINES and not any(x.strip().startswith(FUNCTION_REASON) for x in body):
                out[node.name] = n
    return out


def _long_functions() -> dict[str, int]:
    return {f"{name}:{fn}": n for name, path in _modules()
            for fn, n in long_functions(path.read_text(encoding="utf-8")).items()}


def test_no_function_is_long_without_a_reason():
    new = {k: n for k, n in _long_functions().items() if k not in LONG_FUNCTIONS}
    assert new == {}, (f"functions over {MAX_FUNCTION_LINES} lines: name their steps (smaller functions), or "
                       f"say why in a comment inside ('{FUNCTION_REASON} ...')")


def test_listed_long_functions_are_still_long():
    found = _long_functions()
    gone = sorted(k for k in LONG_FUNCTIONS if k not in found)
    assert gone == [], "split or given a reason: remove them from LONG_FUNCTIONS"


def test_the_rule_sees_a_long_function_and_its_reason():
    body = "    x = 1\n" * MAX_FUNCTION_LINES
    assert long_functions("def f():\n" + body) == {"f": MAX_FUNCTION_LINES + 1}
    assert long_functions("def f():\n    " + FUNCTION_REASON + " one recipe read top to bottom\n" + body) == {}
    assert long_functions("def f():\n" + body[:-10]) == {}
    assert long_functions('def f():\n    """Doc.\n\n    More.\n    """\n' + body[:-10]) == {}
