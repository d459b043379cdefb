"""Every Python snippet in README.md runs (DESIGN.md 3, rule 10)."""

import pathlib
import re

README = pathlib.Path(__file__).parents[1] / "README.md"


def test_readme_python_snippets_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no python snippet"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "C001" in out and "高价值客户" in out


def test_readme_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "python -m pip install . && crm-xl demo" in text
    assert 'python -m pip install ".[test]" && python -m pytest' in text
