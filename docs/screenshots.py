"""Regenerate the screenshots in docs/images/ (the demo report as LibreOffice prints it).

    python docs/screenshots.py        # needs LibreOffice (soffice) and pdftoppm

Renders the report sheets of a 60-customer demo to PDF with LibreOffice, then the first
page of each sheet named below to PNG; and the template's console sheet with its buttons.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHEETS = {"RFM分层表": "rfm", "指标看板": "kpis", "流失预警": "churn", "图表": "charts", "结论与建议": "conclusions"}


def main() -> None:
    from crm_xl.demo import generate_demo
    from crm_xl.render.xlsx import render_workbook
    from crm_xl.report.build import build_report
    from tests import lo

    run = build_report(generate_demo(60))
    out = ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for name, stem in SHEETS.items():
            book = render_workbook(run.spec.subset([name]), tmp / f"{stem}.xlsx")
            pdf = lo.to_pdf(book, tmp / "pdf")
            subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(out / stem)], check=True)
            print("wrote", out / f"{stem}.png")
        # the template's console with its xlwings Lite sheet buttons (docs/excel.md): the
        # sheet's second page of the PDF, top part
        from crm_xl.excel.template import write_template

        pdf = lo.to_pdf(write_template(tmp / "template.xlsx", "zh"), tmp / "pdf")
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "2", "-l", "2", "-x", "0", "-y", "0", "-W", "745",
                        "-H", "500", "-singlefile", str(pdf), str(out / "console_buttons")], check=True)
        print("wrote", out / "console_buttons.png")


if __name__ == "__main__":
    if not shutil.which("pdftoppm"):
        raise SystemExit("pdftoppm (poppler-utils) is needed")
    main()
