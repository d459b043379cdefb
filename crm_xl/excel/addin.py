"""The classic Windows Excel add-in (``crm-xl addin build`` / ``crm-xl addin install``,
:mod:`crm_xl.cli.addin`).

The add-in is **built from xlwings' own** ``quickstart_addin_ribbon.xlam`` (shipped in the
xlwings wheel, BSD licensed), not from a hand-made binary:

* it is copied to ``crm_xl.xlam`` -- its VBA callback ``RunMain`` runs
  ``import <file name>; <file name>.main()``, so the file name makes it call
  ``crm_xl.main()`` (:func:`crm_xl.excel.macros.main`);
* ``customUI/customUI.xml`` is rewritten with :mod:`zipfile` into a "CRM 分析" tab. Every
  ribbon button must call ``RunMain`` -- the compiled VBA (``xl/vbaProject.bin``, copied
  byte for byte) has no other ribbon callback and cannot be changed without Excel. So the
  tab has one real action button, **运行 / Run**, whose work is chosen in the workbook (the
  控制台 sheet's drop-down, else the active sheet); see ``docs/excel.md``.

The add-in's VBA reads its settings from ``myaddin.conf`` (its compiled project name is
``myaddin``): ``install`` writes the Python interpreter into the user config file
``%USERPROFILE%\\.myaddin\\myaddin.conf`` (macOS: ``~/myaddin.conf``) unless one is set.
"""

from __future__ import annotations

__all__ = ["build_addin", "ribbon_xml", "addin_source", "install_addin", "RIBBON_CALLBACK",
           "user_config_path"]

import os
import pathlib
import re
import sys
import zipfile

from ..errors import CrmXlError
from ..xmlescape import quoteattr

ADDIN_NAME = "crm_xl.xlam"
RIBBON_CALLBACK = "RibbonMyAddin.RunMain"  # module.procedure inside the add-in's VBA project
CONFIG_PROJECT = "myaddin"  # PROJECT_NAME compiled into the add-in's VBA

_CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
# [MS-OI29500] 3.4.1.3 / [MS-CUSTOMUI]: a customUI part in the 2006/01 namespace is the target
# of the *2006* extensibility relationship; the 2007 type names the CustomUI2 part (2007/10 or
# 2009/07 namespace, customUI14.xml). Excel's own xlwings.xlam uses the 2006 type; xlwings'
# quickstart template pairs the 2006 part with the 2007 type, which build_addin corrects.
CUSTOMUI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
_CUSTOMUI2_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"


class AddinError(CrmXlError):
    """The add-in cannot be built or installed."""


def addin_source() -> pathlib.Path:
    """xlwings' ribbon add-in template inside the installed xlwings package."""
    import xlwings

    p = pathlib.Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not p.exists():
        raise AddinError(f"在 xlwings 安装目录中找不到 {p.name}，请重新安装 xlwings（pip install -U xlwings）。",
                         f"{p.name} not found in the xlwings package; reinstall xlwings (pip install -U xlwings).")
    return p


def ribbon_xml() -> str:
    """The "CRM 分析" tab. Every button calls :data:`RIBBON_CALLBACK`; what it does is
    decided by ``crm_xl.main()`` from the workbook (the console's choice or the active
    sheet), which the labels and tips say plainly."""
    run_tip = ("运行「控制台」工作表中选择的操作；不在控制台时按当前工作表决定："
               "RFM分层表→只刷新它，客户策略执行表→只刷新它，指标看板/图表→刷新这两张，"
               "其他→刷新全部报告；工作簿里没有数据表时插入模板。 / "
               "Runs the action chosen on the Console sheet; elsewhere it follows the active sheet.")
    def button(id_: str, label: str, image: str, tip: str, size: str = "large") -> str:
        return (f'<button id="{id_}" label={quoteattr(label)} size="{size}" onAction="{RIBBON_CALLBACK}" '
                f'imageMso="{image}" screentip={quoteattr(label)} supertip={quoteattr(tip)} />')

    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<customUI xmlns="{_CUSTOMUI_NS}">\n'
        "  <ribbon>\n    <tabs>\n"
        '      <tab id="crmXlTab" label="CRM 分析">\n'
        '        <group id="crmXlRun" label="分析 / Analysis">\n'
        f"          {button('crmXlRunMain', '运行 / Run', 'MacroPlay', run_tip)}\n"
        "        </group>\n"
        "      </tab>\n    </tabs>\n  </ribbon>\n</customUI>\n"
    )


def build_addin(out_dir: str | os.PathLike = ".", *, source: str | os.PathLike | None = None) -> pathlib.Path:
    """Write ``crm_xl.xlam`` into ``out_dir``: xlwings' ribbon add-in with our ribbon.

    Every part except ``customUI/customUI.xml`` and the package rels is copied unchanged
    (the VBA project included); the package rels get the relationship type that matches the
    ribbon's namespace (:data:`CUSTOMUI_REL`). Returns the path written.
    """
    src = pathlib.Path(source) if source else addin_source()
    out = pathlib.Path(out_dir) / ADDIN_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
        if "customUI/customUI.xml" not in names or "xl/vbaProject.bin" not in names:
            raise AddinError("xlwings 的加载项模板缺少 customUI 或 VBA 工程，无法生成。",
                             "xlwings' add-in template lacks its customUI or VBA project; cannot build.")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename == "customUI/customUI.xml":
                    zout.writestr(info, ribbon_xml().encode("utf-8"))
                elif info.filename == "_rels/.rels":
                    zout.writestr(info, _fix_customui_rel(zin.read(info.filename)))
                else:
                    zout.writestr(info, zin.read(info.filename))
    os.replace(tmp, out)
    return out


def _fix_customui_rel(rels: bytes) -> bytes:
    """The package rels with the relationship to ``customUI/customUI.xml`` typed as the
    2006 extensibility relationship its namespace requires (nothing else changes)."""
    def fix(m: "re.Match[bytes]") -> bytes:
        el = m.group(0)
        if b"customUI/customUI.xml" in el:
            el = el.replace(_CUSTOMUI2_REL.encode(), CUSTOMUI_REL.encode())
        return el
    return re.sub(rb"<Relationship\b[^>]*>", fix, rels)


def user_config_path() -> pathlib.Path:
    """Where the add-in's VBA looks for the user config (``GetConfigFilePath``)."""
    if sys.platform == "darwin":
        return pathlib.Path.home() / f"{CONFIG_PROJECT}.conf"
    return pathlib.Path(os.environ.get("USERPROFILE", str(pathlib.Path.home()))) / f".{CONFIG_PROJECT}" / f"{CONFIG_PROJECT}.conf"


def _write_config(path: pathlib.Path, interpreter: str) -> bool:
    """Add the interpreter to the add-in's config file; False when one is already set."""
    key = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if any(line.strip().strip('"').upper().startswith(key) for line in lines):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    lines.append(f'"{key}","{interpreter}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return True


def _xlstart() -> pathlib.Path:
    if sys.platform.startswith("win"):
        appdata = os.environ.get("APPDATA")
        if appdata:
            return pathlib.Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if sys.platform == "darwin":
        return pathlib.Path.home() / "Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel"
    raise AddinError("只能在 Windows 或 macOS 的桌面版 Excel 中安装加载项。在网页版 Excel 中请使用 xlwings Lite（见 docs/excel.md）。",
                     "The add-in installs into desktop Excel on Windows or macOS only. In Excel on the web use "
                     "xlwings Lite (see docs/excel.md).")


def install_addin(*, target_dir: str | os.PathLike | None = None, interpreter: str | None = None,
                  config: pathlib.Path | None = None) -> tuple[pathlib.Path, pathlib.Path | None]:
    """Build the add-in into Excel's startup folder (XLSTART) and point its config at this
    Python. Returns (add-in path, config file written or None when one was already set)."""
    dest = pathlib.Path(target_dir) if target_dir else _xlstart()
    path = build_addin(dest)
    cfg = config or user_config_path()
    written = _write_config(cfg, interpreter or sys.executable)
    return path, (cfg if written else None)
