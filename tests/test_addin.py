"""The classic add-in: ``crm-xl addin build`` / ``install``.

Checked without Excel: the package is a valid zip whose parts are xlwings' own add-in
byte for byte except the ribbon; the ribbon XML has the customUI shape Excel requires
(every control an id, a label and an onAction); every onAction names a procedure that
exists in the add-in's VBA -- read with oletools' olevba -- and that procedure runs
``<file name>.main()``, i.e. ``crm_xl.main()``.
"""

import re
import zipfile
from xml.etree import ElementTree as ET

import pytest

import crm_xl
from crm_xl.cli import main as cli_main
from crm_xl.excel import addin as addin_cli

NS = "{http://schemas.microsoft.com/office/2006/01/customui}"


@pytest.fixture(scope="module")
def xlam(tmp_path_factory):
    return addin_cli.build_addin(tmp_path_factory.mktemp("addin"))


def test_package_is_xlwings_addin_with_our_ribbon(xlam):
    assert xlam.name == "crm_xl.xlam"
    src = addin_cli.addin_source()
    with zipfile.ZipFile(xlam) as z, zipfile.ZipFile(src) as s:
        assert z.testzip() is None
        assert z.namelist() == s.namelist()
        for name in s.namelist():
            if name not in ("customUI/customUI.xml", "_rels/.rels"):
                assert z.read(name) == s.read(name), name  # VBA project and the rest unchanged
        rels = z.read("_rels/.rels").decode()
        assert "customUI/customUI.xml" in rels and "extensibility" in rels


def test_customui_relationship_type_matches_its_namespace(xlam):
    """[MS-OI29500] 3.4.1.3: a customUI part in the 2006/01 namespace is the target of the
    2006 extensibility relationship (the 2007 type is for the CustomUI2 part, 2009/07
    namespace). xlwings' quickstart template pairs the 2006 part with the 2007 type; Excel's
    own xlwings.xlam uses the 2006 type, and so must ours."""
    with zipfile.ZipFile(xlam) as z:
        rels = ET.fromstring(z.read("_rels/.rels"))
        ui = ET.fromstring(z.read("customUI/customUI.xml"))
        other = {el.get("Id"): el.get("Type") for el in rels if "customUI" not in el.get("Target")}
    target = [el for el in rels if el.get("Target").lstrip("/") == "customUI/customUI.xml"]
    assert len(target) == 1
    assert ui.tag == NS + "customUI"
    assert target[0].get("Type") == "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
    with zipfile.ZipFile(addin_cli.addin_source()) as s:
        src = {el.get("Id"): el.get("Type") for el in ET.fromstring(s.read("_rels/.rels"))
               if "customUI" not in el.get("Target")}
    assert other == src  # the other package relationships are untouched


def _vba_procedures(path) -> dict[str, str]:
    """module name -> VBA source, read with oletools."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {vba_filename.rsplit(".", 1)[0]: code for _, _, vba_filename, code in parser.extract_macros()}
    finally:
        parser.close()


def test_ribbon_controls_call_procedures_that_exist_in_the_vba(xlam):
    with zipfile.ZipFile(xlam) as z:
        root = ET.fromstring(z.read("customUI/customUI.xml"))
    assert root.tag == NS + "customUI"
    tabs = root.findall(f"{NS}ribbon/{NS}tabs/{NS}tab")
    assert [t.get("label") for t in tabs] == ["CRM 分析"]
    controls = [el for el in root.iter() if el.tag in (NS + "button", NS + "toggleButton", NS + "splitButton")]
    assert controls
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))  # ribbon ids are unique
    modules = _vba_procedures(xlam)
    for el in controls:
        assert el.get("id") and el.get("label") and el.get("onAction"), el.attrib
        module, proc = el.get("onAction").split(".")
        code = modules[module]
        # a ribbon button callback: Sub <proc>(control As IRibbonControl)
        assert re.search(rf"Sub {proc}\(control As IRibbonControl\)", code), (module, proc)
        body = code.split(f"Sub {proc}(")[1].split("End Sub")[0]
        # module name = the add-in's file name without extension -> import crm_xl; crm_xl.main()
        assert "Left(ThisWorkbook.Name" in body and '".main()"' in body
    assert callable(crm_xl.main)


def test_cli_build_and_install(tmp_path, monkeypatch):
    assert cli_main(["addin", "build", "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "crm_xl.xlam").exists()
    cfg = tmp_path / "home" / ".myaddin" / "myaddin.conf"
    monkeypatch.setattr(addin_cli, "user_config_path", lambda: cfg)
    path, written = addin_cli.install_addin(target_dir=tmp_path / "XLSTART", interpreter=r"C:\Python311\python.exe")
    assert path == tmp_path / "XLSTART" / "crm_xl.xlam" and written == cfg
    line = cfg.read_text(encoding="utf-8").strip()
    assert line.endswith(r'","C:\Python311\python.exe"') and line.startswith('"INTERPRETER_')
    # a second install keeps the interpreter the user may have changed
    _, again = addin_cli.install_addin(target_dir=tmp_path / "XLSTART", interpreter="other")
    assert again is None and cfg.read_text(encoding="utf-8").strip() == line


def test_help_lists_the_addin_command(capsys):
    assert cli_main(["--help"]) == 0
    assert "addin" in capsys.readouterr().out
