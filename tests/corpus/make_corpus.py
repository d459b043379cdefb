"""The bad-input corpus (issue 10): every case, the files it is made of, and the outcome
a user should get -- a cleaned value, a named error with sheet/row/column, or a log entry.

``python tests/corpus/make_corpus.py OUTDIR`` writes every case's files into
``OUTDIR/<case id>/`` (deterministic content; nothing is checked in except
``fixtures/orders.xls``, which needs LibreOffice to rebuild: ``--xls-fixture``).
:mod:`tests.corpus.runner` runs a case through the pipeline and checks its expectation;
``tests/test_corpus.py`` asserts every case; ``tests/corpus/report.py`` writes the table
in ``docs/reliability.md``.

Analysis date for every case: 2024-09-30 (the seed's Template 1 date).
"""

from __future__ import annotations

import datetime as dt
import pathlib
import sys
from dataclasses import dataclass, field
from typing import Callable

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tests.corpus import build as B  # noqa: E402
from tests.corpus.build import CH, OH  # noqa: E402

AS_OF = dt.date(2024, 9, 30)


@dataclass(frozen=True)
class Expect:
    """What a case must produce. ``error``: the error class name (and ``where``: sheet,
    row, column -- None means "not checked"; ``message``: substrings of the en or zh text);
    otherwise counts, log entries (sheet, row, column, reason substring), cleaned values
    (table, key column, key, column, value), layers (customer -> layer key) and scores
    (customer -> R, F, M, total)."""

    error: str | None = None
    where: tuple = (None, None, None)
    message: tuple[str, ...] = ()
    orders: int | None = None
    customers: int | None = None
    log: tuple = ()
    no_log_rows: tuple = ()
    values: tuple = ()
    layers: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    seconds: float | None = None  # bounded time (generous: CI machines are slow)


@dataclass(frozen=True)
class Case:
    id: str
    area: str  # intake | cleaning | analysis | report
    title: str
    make: Callable[[pathlib.Path], list[pathlib.Path]]
    expect: Expect
    outcome: str  # the expected outcome in words (the docs table)
    mode: str = "pipeline"  # pipeline: read_sources + build_report + render | report: crm-xl report BOOK (in place)
    settings: dict = field(default_factory=dict)
    out: str | None = None  # report mode: -o file name
    prepare: Callable[[pathlib.Path, list[pathlib.Path]], None] | None = None  # before the run (e.g. lock)
    check: Callable[[object], list[str]] | None = None  # extra checks on the Outcome
    slow: bool = False
    needs: str | None = None  # "libreoffice": skipped where soffice is absent


def _orders(rows, name="订单.xlsx", sheet="订单", header=OH, **kw):
    return lambda d: [B.xlsx(d / name, {sheet: [header] + rows}, **kw)]


def _csv(content: str, name="订单.csv", encoding="utf-8"):
    return lambda d: [B.text(d / name, content, encoding)]


def _book(sheets, name="book.xlsx", **kw):
    return lambda d: [B.xlsx(d / name, sheets, **kw)]


def _seed_orders() -> list[list[object]]:
    """Template 1's example: C001 12 orders / 150,000 / last 2024-09-15; C002 8 / 80,000 /
    2024-07-20; C003 3 / 20,000 / 2024-03-10."""
    rows = []
    for i in range(12):
        rows.append([f"A{i:02d}", "C001", f"2023-{10 + i:02d}-15" if i < 3 else f"2024-{i - 2:02d}-15", 12_500])
    for i in range(8):
        rows.append([f"B{i:02d}", "C002", f"2023-{12 + i:02d}-20" if i < 1 else f"2024-{i:02d}-20", 10_000])
    rows += [["D00", "C003", "2023-11-10", 5_000], ["D01", "C003", "2024-01-10", 5_000], ["D02", "C003", "2024-03-10", 10_000]]
    return rows


CSV_H = ",".join(OH) + "\n"
INJECT = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")"]


def _report_book(d: pathlib.Path, extra: dict | None = None, name: str = "book.xlsx") -> pathlib.Path:
    """A workbook with 客户 and 订单 data sheets (+ ``extra`` sheets)."""
    sheets = {"客户": [CH, ["C001", "甲公司", "张三", "软件"], ["C002", "乙公司", "李四", "制造"]],
              "订单": [OH, ["O1", "C001", "2024-09-15", 150_000], ["O2", "C002", "2024-07-20", 80_000]]}
    sheets.update(extra or {})
    return B.xlsx(d / name, sheets)


def _refreshed_book(d: pathlib.Path) -> list[pathlib.Path]:
    """A book whose report sheets already exist and were edited by hand: a note typed into
    the RFM sheet, a changed R breakpoint in 设置, a user sheet added after the report."""
    import openpyxl

    from crm_xl.cli.report import run_report

    p = _report_book(d)
    run_report(p, as_of=AS_OF)
    wb = openpyxl.load_workbook(p)
    wb["RFM分层表"]["A1"] = "我手工改的标题"
    ws = wb["设置"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "recency_breakpoints_days":
                ws.cell(c.row, c.column + 1, "10, 60, 90, 180")
    notes = wb.create_sheet("我的笔记")
    notes["A1"] = "自己的数据"
    notes["B2"] = "=1+1"
    ws = wb["客户策略执行表"]  # tracking entries typed into the strategy table
    hdr, cols = _header_row(ws, "执行状态")
    for r in range(hdr + 1, ws.max_row + 1):
        if ws.cell(r, cols["客户ID"]).value == "C001":
            ws.cell(r, cols["执行状态"], "进行中")
            ws.cell(r, cols["执行记录"], "=已电话沟通")  # typed text that looks like a formula
            ws.cell(r, cols["执行记录"]).data_type = "s"
    wb.save(p)
    return [p]


def _header_row(ws, label: str):
    for row in ws.iter_rows():
        vals = [c.value for c in row]
        if label in vals:
            return row[0].row, {v: i + 1 for i, v in enumerate(vals) if v}
    raise AssertionError(f"no header {label} in {ws.title}")


def _edited_report(edit):
    """A book refreshed once, then changed by ``edit(openpyxl workbook)``."""

    def make(d: pathlib.Path) -> list[pathlib.Path]:
        import openpyxl

        from crm_xl.cli.report import run_report

        p = _report_book(d)
        run_report(p, as_of=AS_OF)
        wb = openpyxl.load_workbook(p)
        edit(wb)
        wb.save(p)
        return [p]

    return make


def _saved_by(fmt: str):
    """A refreshed book opened and saved again by LibreOffice (its own zip layout, part
    names, shared strings and styles) -- as a user on LibreOffice or WPS would."""

    def make(d: pathlib.Path) -> list[pathlib.Path]:
        import shutil

        from crm_xl.cli.report import run_report
        from tests.lo import convert

        src = _report_book(d, name="src.xlsx")
        run_report(src, as_of=AS_OF)
        out = convert(src, fmt, d / "lo")
        book = d / "book.xlsx"
        shutil.move(out, book)
        shutil.rmtree(d / "lo")
        src.unlink()
        return [book]

    return make


def _rename_rfm(wb):
    wb["RFM分层表"].title = "RFM分层表（上月）"


def _delete_churn(wb):
    del wb["流失预警"]


def _mess_up_rfm(wb):
    from openpyxl.comments import Comment

    ws = wb["RFM分层表"]
    ws.merge_cells("A1:D2")
    ws["H3"].comment = Comment("我的批注", "用户")
    ws["Z40"] = "=SUM(A1:A3)"
    ws.insert_rows(2, 3)


def _name_into_report(wb):
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["我的高价值客户数"] = DefinedName("我的高价值客户数", attr_text="'RFM分层表'!$A$1")
    wb.create_sheet("汇总")["A1"] = "=COUNTA(RFM分层表!A:A)"


def _check_sheets(*names):
    def check(o) -> list[str]:
        import openpyxl

        from crm_xl.render.opc import check_package

        bad = [f"package: {p}" for p in check_package(o.target)]
        have = openpyxl.load_workbook(o.target, read_only=True).sheetnames
        return bad + [f"sheet {n} missing" for n in names if n not in have]

    return check


def _lock(d, files):
    (files[0].parent / ("~$" + files[0].name)).write_bytes(b"owner")


def _read_only(d, files):
    files[0].chmod(0o444)


def _check_refreshed(o) -> list[str]:
    import openpyxl

    bad = []
    wb = openpyxl.load_workbook(o.target)
    if wb["我的笔记"]["A1"].value != "自己的数据" or wb["我的笔记"]["B2"].value != "=1+1":
        bad.append("user sheet changed")
    if wb["RFM分层表"]["A1"].value == "我手工改的标题":
        bad.append("hand edit in a report sheet survived (report sheets are regenerated)")
    vals = [c.value for row in wb["设置"].iter_rows() for c in row]
    if not any(isinstance(v, str) and v.replace(" ", "") == "10,60,90,180" for v in vals):
        bad.append("edited setting not kept in 设置")
    ws = wb["客户策略执行表"]
    hdr, cols = _header_row(ws, "执行状态")
    c001 = [r for r in range(hdr + 1, ws.max_row + 1) if ws.cell(r, cols["客户ID"]).value == "C001"]
    if not c001 or ws.cell(c001[0], cols["执行状态"]).value != "进行中" or ws.cell(c001[0], cols["执行记录"]).value != "=已电话沟通":
        bad.append("tracking entries typed into the strategy table were not kept")
    if c001 and ws.cell(c001[0], cols["执行记录"]).data_type != "s":
        bad.append("typed '=已电话沟通' came back as a formula")
    # C001 bought 15 days before 2024-09-30: R = 4 with the edited breakpoint 10 (was 5)
    rows = [[c.value for c in r] for r in wb["RFM分层表"].iter_rows()]
    hdr = next(i for i, r in enumerate(rows) if "R得分(1-5)" in r)
    r_col = rows[hdr].index("R得分(1-5)")
    c001 = next(r for r in rows[hdr + 1:] if r[0] == "C001")
    if c001[r_col] != 4:
        bad.append(f"R score of C001 is {c001[r_col]}, expected 4 with the edited breakpoint")
    return bad


def _text_only(strings: list[str]):
    """Every cell of the output holding one of ``strings`` is a text cell, no formula
    anywhere contains them, and the package has no hyperlink or external-link parts."""

    def check(o) -> list[str]:
        from tests.corpus.runner import package_cells

        bad = []
        cells, rel_types, formulas = package_cells(o.target)
        found = {s: 0 for s in strings}
        for sheet, ref, kind, value in cells:
            for s in strings:
                if value == s.replace("\r", "\n").replace("\n", "\n") or value == s:
                    found[s] += 1
                    if kind not in ("s", "inlineStr", "str"):
                        bad.append(f"{sheet}!{ref} holds {s!r} as {kind}")
        for s, n in found.items():
            if n == 0 and not s.startswith(("\t", "\r")):
                bad.append(f"{s!r} not found in any cell")
        for sheet, ref, f in formulas:
            if any(x in f for x in ("cmd", "evil", "@SUM")):
                bad.append(f"{sheet}!{ref} has formula {f!r} built from data")
        for t in rel_types:
            if t.endswith(("/hyperlink", "/externalLink")):
                bad.append(f"package has a {t.rsplit('/', 1)[-1]} relationship")
        return bad

    return check


def _refreshed_book_without_settings(d: pathlib.Path) -> list[pathlib.Path]:
    import openpyxl

    from crm_xl.cli.report import run_report

    p = _report_book(d)
    run_report(p, as_of=AS_OF)
    wb = openpyxl.load_workbook(p)
    del wb["设置"]
    wb.save(p)
    return [p]


def _long_text_check(o) -> list[str]:
    from tests.corpus.runner import package_cells

    cells, _, _ = package_cells(o.target)
    longest = max((len(v) for _, _, _, v in cells if isinstance(v, str)), default=0)
    bad = [] if longest == 32_767 else [f"longest cell has {longest} characters, expected 32767"]
    if not any(v == "张\x07三" for _, _, _, v in cells):
        bad.append("control character not round-tripped")
    return bad


def _no_content_type(d: pathlib.Path) -> pathlib.Path:
    src = _report_book(d, name="src.xlsx")
    out = B.rewrite_part(src, d / "book.xlsx", "[Content_Types].xml",
                         lambda x: x.replace(b'PartName="/xl/worksheets/sheet1.xml" ContentType=',
                                             b'PartName="/xl/worksheets/sheet1.xml" Content=', 1))
    src.unlink()
    return out


def _zip_version_83() -> bytes:
    data = bytearray(B.buffer_xlsx({"订单": B.orders_rows()}))
    i = data.index(b"PK\x01\x02")
    data[i + 6:i + 8] = (83).to_bytes(2, "little")  # 'version needed to extract' of the first entry
    return bytes(data)


def _million(d: pathlib.Path) -> pathlib.Path:
    import numpy as np

    rng = np.random.default_rng(10)
    n = 1_000_000
    cust = rng.integers(0, 1000, n)
    day = rng.integers(0, 700, n)
    amt = rng.integers(1, 100_000, n)
    base = np.datetime64("2022-11-01")
    dates = (base + day.astype("timedelta64[D]")).astype(str)
    p = d / "订单.csv"
    with open(p, "w", encoding="utf-8") as fh:
        fh.write(CSV_H)
        fh.writelines(f"O{i},C{c:04d},{t},{a}\n" for i, (c, t, a) in enumerate(zip(cust, dates, amt, strict=True)))
    return p


CASES: list[Case] = [
    # ---------------------------------------------------------------- intake
    Case("i01", "intake", "English headers", _orders([["O1", "C001", "2024-09-01", 100]], sheet="Orders",
         header=["Order ID", "Customer ID", "Order Date", "Amount"]),
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 100.0),)), "read; amount 100"),
    Case("i02", "intake", "用友 export headers (单据编号/客户编码/单据日期/价税合计), GBK CSV",
         _csv("单据编号,客户编码,单据日期,价税合计\nXS1,C001,2024-09-15,1000\nXS2,C002,2024-09-16,2000\n", "export.csv", "gbk"),
         Expect(orders=2, values=(("orders", "order_id", "XS2", "amount", 2000.0),)), "read as orders"),
    Case("i03", "intake", "required column missing (no 下单日期)", _orders([["O1", "C001", 1]], header=["订单编号", "客户ID", "金额(元)"]),
         Expect(error="MissingColumnsError", where=("订单", None, None), message=("Order Date", "下单日期")),
         "MissingColumnsError naming 下单日期 and the columns found"),
    Case("i04", "intake", "duplicated header (金额(元) twice)", _orders([["O1", "C001", "2024-09-01", 100, 999]], header=OH + ["金额(元)"]),
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 100.0),)),
         "first column used; the second kept as unknown column 金额(元).1"),
    Case("i05", "intake", "title rows above the header (header on row 4)",
         _book({"订单": [["销售订单明细"], ["导出日期：2024-10-01"], [], OH, ["O1", "C001", "2024-09-01", 100],
                         ["O2", "C002", "2024-02-30", 200]]}),
         Expect(orders=1, log=(("订单", 6, "下单日期", "无法识别的日期"),)), "header found; log rows are Excel rows (6)"),
    Case("i06", "intake", "header spelling variants (spaces, full-width, brackets)",
         _orders([["O1", "C001", "2024-09-01", 100]], header=[" 订单 编号 ", "客户ＩＤ", "下单日期", "金额（元）"]),
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 100.0),)), "headers recognised"),
    Case("i07", "intake", "no sheet with order headers", _book({"Sheet1": [["a", "b", "c"], [1, 2, 3]]}),
         Expect(error="InputError", message=("no order data",)), "InputError: no order data found"),
    Case("i08", "intake", "sheet named 订单 with unrelated headers", _book({"订单": [["a", "b"], [1, 2]]}),
         Expect(error="MissingColumnsError", where=("订单", None, None), message=("Found instead: a, b",)),
         "MissingColumnsError naming what was found"),
    Case("i09", "intake", "all-blank 订单 sheet", _book({"订单": []}),
         Expect(error="MissingColumnsError", where=("订单", None, None)), "MissingColumnsError (found: none)"),
    Case("i10", "intake", "header row only, no data", _book({"订单": [OH]}),
         Expect(error="InputError", where=("订单", None, None), message=("no usable rows",)), "InputError: no usable rows"),
    Case("i11", "intake", "hidden rows", _orders([["O1", "C001", "2024-09-01", 1], ["O2", "C002", "2024-09-01", 2],
                                                 ["O3", "C003", "2024-09-01", 3]], hidden_rows={"订单": [3]}),
         Expect(orders=3), "hidden rows are data: all 3 orders read"),
    Case("i12", "intake", "customer ID merged over two order rows",
         _orders([["O1", "C001", "2024-09-01", 1], ["O2", None, "2024-08-01", 2]], merges={"订单": ["B2:B3"]}),
         Expect(orders=2, customers=1, values=(("orders", "order_id", "O2", "customer_id", "C001"),),
                log=(("订单", 3, "客户ID", "合并单元格"),)),
         "the merged value applies to both rows; the fill is logged"),
    Case("i13", "intake", "merged title cell above the header",
         _book({"订单": [["订单明细", None, None, None], OH, ["O1", "C001", "2024-09-01", 1]]}, merges={"订单": ["A1:D1"]}),
         Expect(orders=1), "header found on row 2"),
    Case("i14", "intake", "formula cells with cached values (as Excel saves them)",
         lambda d: [B.xlsx_formulas(d / "f.xlsx", [OH, ["O1", "C001", "2024-09-01", 0]], {"D2": ("=50*2", 100)})],
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 100.0),)), "the computed value 100 is used"),
    Case("i15", "intake", "formula cell never calculated (no cached value)",
         _orders([["O1", "C001", "2024-09-01", "=50*2"], ["O2", "C002", "2024-09-01", 7]], formulas=True),
         Expect(orders=1, log=(("订单", 2, "金额(元)", "关键字段缺失"),)), "row 2 rejected and logged (no value)"),
    Case("i16", "intake", "Excel error cells (#N/A, #DIV/0!)",
         _orders([["O1", "C001", "#N/A", 100], ["O2", "C002", "2024-08-01", "#DIV/0!"], ["O3", "C003", "2024-08-01", 5]]),
         Expect(orders=1, log=(("订单", 2, "下单日期", "Excel 错误值"), ("订单", 3, "金额(元)", "Excel 错误值"),
                               ("订单", 2, "下单日期", "关键字段缺失"))),
         "logged as Excel error values (#N/A, #DIV/0!), rows rejected"),
    Case("i17", "intake", "Excel error values as text in a CSV",
         _csv(CSV_H + "O1,C001,#N/A,100\nO2,C002,2024-08-01,#DIV/0!\nO3,C003,2024-08-01,5\n"),
         Expect(orders=1, log=(("订单.csv", 2, "下单日期", "Excel 错误值"), ("订单.csv", 3, "金额(元)", "Excel 错误值"))),
         "logged as Excel error values, rows rejected"),
    Case("i18", "intake", "GBK CSV", _csv(CSV_H + "O1,C001,2024/9/15,1.5万\n", encoding="gbk"),
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 15000.0),)), "decoded; 1.5万 -> 15000"),
    Case("i19", "intake", "GB18030 CSV with a character outside GBK",
         lambda d: [B.text(d / "订单.csv", CSV_H + "O1,C001,2024-09-15,1\n", "gb18030"),
                    B.text(d / "客户.csv", "客户ID,客户名称\nC001,𠮷野家\n", "gb18030")],
         Expect(customers=1, values=(("customers", "customer_id", "C001", "customer_name", "𠮷野家"),)), "𠮷野家 kept"),
    Case("i20", "intake", "UTF-16 tab-separated (Excel 'Unicode text')",
         _csv(CSV_H.replace(",", "\t") + "O1\tC001\t2024-09-15\t100\n", "订单.txt.csv", "utf-16"),
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 100.0),)), "decoded and split on tabs"),
    Case("i21", "intake", "UTF-8 with BOM", _csv("\ufeff" + CSV_H + "O1,C001,2024-09-15,100\n"),
         Expect(orders=1), "BOM dropped; first header recognised"),
    Case("i22", "intake", "CSV with a newline inside a quoted cell",
         lambda d: [B.text(d / "订单.csv", CSV_H + "O1,C001,2024-09-15,1\nO2,C002,2024-09-15,2\n"),
                    B.text(d / "客户.csv", '客户ID,客户名称\nC001,"甲公司\n北京分部"\nC002,乙公司\n')],
         Expect(customers=2, values=(("customers", "customer_id", "C001", "customer_name", "甲公司\n北京分部"),)),
         "one cell with a line break; row numbers count records"),
    Case("i23", "intake", "CSV with a quote that is never closed",
         _csv(CSV_H + 'O1,C001,2024-09-15,1\nO2,C002,2024-09-15,"2\nO3,C003,2024-09-15,3\n'),
         Expect(error="InputError", where=("订单.csv", 3, None), message=("never closed",)),
         "InputError naming row 3 (instead of swallowing the rest of the file)"),
    Case("i24", "intake", "CSV with a stray quote inside a cell", _csv(CSV_H + 'O1,C0"01,2024-09-15,1\nO2,C002,2024-09-15,2\n'),
         Expect(orders=2, values=(("orders", "order_id", "O1", "customer_id", 'C0"01'),)), "read leniently, as Excel does"),
    Case("i25", "intake", "semicolon-separated CSV", _csv(CSV_H.replace(",", ";") + "O1;C001;2024-09-15;100\n"),
         Expect(orders=1), "delimiter sniffed"),
    Case("i26", "intake", "CSV in an unknown encoding", lambda d: [B.raw(d / "订单.csv", b"\x81\xff\xfe\x00\x81" * 50)],
         Expect(error="InputError", message=("encoding",)), "InputError: cannot detect the encoding"),
    Case("i27", "intake", "empty CSV (0 bytes)", lambda d: [B.raw(d / "export.csv", b"")],
         Expect(error="InputError", message=("no order data found", "skipped 'export.csv': it holds no data")),
         "skipped with a warning; no order data left: InputError naming the file"),
    Case("i28", "intake", ".xlsm input", lambda d: [B.xlsm(d / "book.xlsm", {"订单": B.orders_rows()})],
         Expect(orders=2), "read like .xlsx"),
    Case("i29", "intake", ".xls (BIFF8) input", lambda d: [B.xls_fixture(d / "orders.xls")],
         Expect(orders=2, values=(("orders", "order_id", "O2", "amount", 200.0),)), "read through python-calamine"),
    Case("i30", "intake", "password-protected .xlsx", lambda d: [B.encrypted(d / "secret.xlsx")],
         Expect(error="WorkbookError", message=("password-protected",)), "WorkbookError: remove the password"),
    Case("i31", "intake", "truncated .xlsx (half the file)",
         lambda d: [B.raw(d / "cut.xlsx", B.buffer_xlsx({"订单": B.orders_rows()})[:1500])],
         Expect(error="WorkbookError", message=("damaged",)), "WorkbookError: damaged"),
    Case("i32", "intake", "a text file renamed to .xlsx", lambda d: [B.raw(d / "fake.xlsx", "客户ID,金额\n".encode())],
         Expect(error="WorkbookError", message=("not a valid Excel workbook",)), "WorkbookError"),
    Case("i33", "intake", "unsupported file type (.pdf)", lambda d: [B.raw(d / "report.pdf", b"%PDF-1.4\n")],
         Expect(error="InputError", message=("unsupported file type",)), "InputError listing the supported types"),
    Case("i34", "intake", "file does not exist", lambda d: [d / "missing.xlsx"],
         Expect(error="InputError", message=("file not found",)), "InputError: file not found"),
    Case("i35", "intake", "empty .xlsx (0 bytes)", lambda d: [B.raw(d / "empty.xlsx", b"")],
         Expect(error="WorkbookError", message=("empty file",)), "WorkbookError: empty file"),
    Case("i36", "intake", "two sheets with order headers",
         _book({"订单": B.orders_rows(2), "订单2": B.orders_rows(5)}),
         Expect(orders=5), "stacked: the 2 rows the sheets share are exact duplicates (removed, logged), 5 orders"),
    Case("i37", "intake", "zip bomb (3 GB of XML in 3 MB)", lambda d: [B.zip_bomb(d / "bomb.xlsx")],
         Expect(error="WorkbookError", message=("zip bomb",), seconds=10), "refused from the zip directory, nothing inflated"),
    Case("i38", "intake", "zip bomb that understates its size", lambda d: [B.zip_bomb(d / "liar.xlsx", gigabytes=2, honest=False)],
         Expect(error="WorkbookError", seconds=10), "refused: the part overflows its declared size"),
    Case("i39", "intake", "XML entity expansion (billion laughs)", lambda d: [B.with_doctype(d / "laughs.xlsx", B.LAUGHS, b"&lol9;")],
         Expect(error="WorkbookError", message=("entity",), seconds=10), "refused (entities are never expanded)"),
    Case("i40", "intake", "external entity (XXE) in a sheet", lambda d: [B.with_doctype(d / "xxe.xlsx", B.XXE, b"&e;")],
         Expect(error="WorkbookError", message=("entity",)), "refused; no local file is read"),
    Case("i41", "intake", "entity expansion in sharedStrings",
         lambda d: [B.with_doctype(d / "sst.xlsx", B.LAUGHS, b"&lol9;", part="xl/sharedStrings.xml")],
         Expect(orders=2), "openpyxl writes no sharedStrings here: unaffected (see hostile tests for the sst case)"),
    Case("i43", "intake", "CSV with CR-only line ends (Excel 'CSV (Macintosh)')",
         _csv((CSV_H + "O1,C001,2024-09-15,1\nO2,C002,2024-09-15,2\n").replace("\n", "\r")),
         Expect(orders=2), "read (a lone CR used to stop the reader with a csv.Error)"),
    Case("i44", "intake", "CSV cell of 200,000 characters", _csv(CSV_H + "O1,C001,2024-09-15," + "9" * 200_000 + "\n"),
         Expect(error="InputError", where=("订单.csv", 2, None), message=("cannot be read",)),
         "InputError naming row 2 (longer than the csv module's field limit; Excel's cell limit is 32,767)"),
    Case("i45", "intake", "zip directory claiming an unsupported zip version (8.3)", lambda d: [B.raw(d / "v83.xlsx", _zip_version_83())],
         Expect(error="WorkbookError", message=("damaged",)), "WorkbookError: damaged (found by the fuzzer)"),
    Case("i46", "intake", "one stray cell at XFD1048576 (a 5 kB file)", lambda d: [B.far_cell(d / "far.xlsx")],
         Expect(error="WorkbookError", where=("订单", None, None), message=("1,048,576 rows x 16,384 columns",), seconds=10),
         "refused before python-calamine builds a 17-billion-cell grid (the process used to be killed)"),
    Case("i47", "intake", "a far row of 20,000 cells without cell references", lambda d: [B.far_cell(d / "pos.xlsx", positional=20_000)],
         Expect(error="WorkbookError", where=("订单", None, None), message=("20,000 columns",), seconds=10), "refused"),
    Case("i48", "intake", "a stray cell at A1048576 (a tall but narrow grid)", lambda d: [B.far_cell(d / "tall.xlsx", ("A", 1_048_576))],
         Expect(orders=2), "read: 1,048,576 x 4 cells is within the limit; the empty rows are not data", slow=True),
    Case("i42", "intake", "one million order rows (CSV)", lambda d: [_million(d)],
         Expect(orders=1_000_000, customers=1000), "read, cleaned and analysed", slow=True),
    # ---------------------------------------------------------------- cleaning
    Case("c01", "cleaning", "amounts with units (万, w, 元, ¥, commas, full-width)",
         _orders([["O1", "C001", "2024-09-01", "15万"], ["O2", "C001", "2024-09-01", "1.5w"], ["O3", "C001", "2024-09-01", "150,000元"],
                  ["O4", "C001", "2024-09-01", "¥1,200.50"], ["O5", "C001", "2024-09-01", "￥８８"], ["O6", "C001", "2024-09-01", "１２３４５"],
                  ["O7", "C001", "2024-09-01", "1.5万元"], ["O8", "C001", "2024-09-01", "(1,200)"]]),
         Expect(orders=7, values=tuple(("orders", "order_id", k, "amount", v) for k, v in
                (("O1", 150000.0), ("O2", 15000.0), ("O3", 150000.0), ("O4", 1200.5), ("O5", 88.0), ("O6", 12345.0),
                 ("O7", 13800.0))), log=(("订单", 2, "金额(元)", "金额统一为元"), ("订单", 9, "金额(元)", "冲减"))),
         "150000, 15000, 150000, 1200.5, 88, 12345, 15000; (1,200) is -1200, a refund: never a purchase, it "
         "reduces the same day's last purchase (O7: 13800); each change logged"),
    Case("c02", "cleaning", "negative amount (refund)", _orders([["O1", "C001", "2024-09-01", -500], ["O2", "C001", "2024-09-02", 800]]),
         Expect(orders=1, values=(("orders", "order_id", "O2", "amount", 300.0),), log=(("订单", 2, "金额(元)", "冲减"),)),
         "never a purchase; nets against the customer's purchase (none earlier: the next one, O2 800 -> 300)"),
    Case("c03", "cleaning", "huge amount (1e12)", _orders([["O1", "C001", "2024-09-01", 1e12]]),
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 1e12),)), "kept; M score 5"),
    Case("c04", "cleaning", "text in the amount column", _orders([["O1", "C001", "2024-09-01", "abc"], ["O2", "C002", "2024-09-01", 1]]),
         Expect(orders=1, log=(("订单", 2, "金额(元)", "无法识别的金额"), ("订单", 2, "金额(元)", "关键字段缺失"))),
         "logged as unrecognised, row rejected"),
    Case("c05", "cleaning", "impossible date 2024-02-30", _orders([["O1", "C001", "2024-02-30", 1], ["O2", "C002", "2024-09-01", 1]]),
         Expect(orders=1, log=(("订单", 2, "下单日期", "无法识别的日期"),)), "logged, row rejected"),
    Case("c06", "cleaning", "Excel serial 0 as a date", _orders([["O1", "C001", 0, 1], ["O2", "C002", "2024-09-01", 1]]),
         Expect(orders=1, log=(("订单", 2, "下单日期", "无法识别的日期"),)), "not a date: logged, row rejected"),
    Case("c07", "cleaning", "Excel serial number 45550", _orders([["O1", "C001", 45550, 1]]),
         Expect(orders=1, values=(("orders", "order_id", "O1", "order_date", "2024-09-15"),)), "2024-09-15"),
    Case("c08", "cleaning", "year-1900 placeholder dates", _orders([["O1", "C001", "1900-01-01", 1], ["O2", "C002", dt.datetime(1900, 1, 1), 1],
                                                                  ["O3", "C003", "2024-09-01", 1]]),
         Expect(orders=1, log=(("订单", 2, "下单日期", "无法识别的日期"), ("订单", 3, "下单日期", "无法识别的日期"))),
         "dates before 1901 are placeholders: logged, rows rejected"),
    Case("c09", "cleaning", "mixed date spellings",
         _orders([["O1", "C001", "2024/9/15", 1], ["O2", "C001", "2024年9月15日", 1], ["O3", "C001", "20240915", 1],
                  ["O4", "C001", "2024.9.15", 1], ["O5", "C001", dt.datetime(2024, 9, 15, 10, 30), 1], ["O6", "C001", "2024-09-15 10:30", 1]]),
         Expect(orders=6, values=tuple(("orders", "order_id", f"O{i}", "order_date", "2024-09-15") for i in range(1, 7)),
                log=(("订单", 2, "下单日期", "日期统一为 YYYY-MM-DD"),)), "all 2024-09-15; changes logged"),
    Case("c10", "cleaning", "order dated after the analysis date", _orders([["O1", "C001", "2099-01-01", 1], ["O2", "C002", "2024-09-01", 1]]),
         Expect(orders=2, log=(("订单", 2, "下单日期", "晚于分析日期"),), layers={"C002": "regular"}),
         "kept, logged, left out of the RFM layering"),
    Case("c11", "cleaning", "exact duplicate rows", _orders([["O1", "C001", "2024-09-01", 1], ["O1", "C001", "2024-09-01", 1]]),
         Expect(orders=1, log=(("订单", 3, "", "完全重复的行"),)), "second row removed and logged"),
    Case("c12", "cleaning", "duplicate order ID, different data", _orders([["O1", "C001", "2024-09-01", 1], ["O1", "C001", "2024-09-02", 5]]),
         Expect(orders=1, log=(("订单", 0, "", "合并为 1 笔订单"),), values=(("orders", "order_id", "O1", "amount", 6.0),
                                                                           ("orders", "order_id", "O1", "order_date", "2024-09-01"))),
         "lines of one order: summed (6), dated by the earliest line; the merge logged"),
    Case("c13", "cleaning", "duplicate customer ID with conflicting details",
         _book({"客户": [CH, ["C001", "甲", "张", "软件"], ["C001", "乙", "李", "制造"]], "订单": B.orders_rows(1)}),
         Expect(customers=1, log=(("客户", 3, "客户ID", "信息不一致"),), values=(("customers", "customer_id", "C001", "customer_name", "甲"),)),
         "first kept, conflict logged"),
    Case("c14", "cleaning", "missing customer name", _book({"客户": [CH, ["C001", None, "张", "软件"]], "订单": B.orders_rows(1)}),
         Expect(values=(("customers", "customer_id", "C001", "customer_name", "未知"),), log=(("客户", 2, "客户名称", "补全为未知"),)),
         "未知, logged"),
    Case("c15", "cleaning", "missing order ID", _orders([[None, "C001", "2024-09-01", 1], ["O2", "C002", "2024-09-01", 1]]),
         Expect(orders=2, values=(("orders", "order_id", "C001@2024-09-01", "amount", 1.0),)),
         "an order without number is one purchase of its customer that day (order_grouping)"),
    Case("c16", "cleaning", "IDs with full-width letters, spaces, lower case",
         _book({"客户": [CH, ["C001", "甲", "张", "软件"]], "订单": [OH, ["O1", " c００１ ", "2024-09-01", 1]]}),
         Expect(customers=1, values=(("orders", "order_id", "O1", "customer_id", "C001"),), log=(("订单", 2, "客户ID", "编号规范化"),)),
         "C001, joined to the customer; logged"),
    Case("c17", "cleaning", "orders for customers missing from 客户", _book({"客户": [CH, ["C001", "甲", "张", "软件"]], "订单": B.orders_rows(2)}),
         Expect(customers=2, log=(("订单", 0, "客户ID", "已按订单补建"),), values=(("customers", "customer_id", "C002", "customer_name", "未知"),)),
         "C002 added with 未知 details, logged"),
    Case("c18", "cleaning", "industries mapped to GB/T 4754; unmappable kept",
         _book({"客户": [CH, ["C001", "甲", "张", "软件"], ["C002", "乙", "李", "ZZ-42"]], "订单": B.orders_rows(2)}),
         Expect(values=(("customers", "customer_id", "C001", "industry", "信息传输、软件和信息技术服务业"),
                        ("customers", "customer_id", "C002", "industry", "ZZ-42")),
                log=(("客户", 2, "所属行业", "GB/T 4754"), ("客户", 3, "所属行业", "无法映射"))), "mapped / kept, both logged"),
    Case("c19", "cleaning", "satisfaction score out of range (7 on 1-5)",
         _book({"订单": B.orders_rows(1), "互动": [["客户ID", "日期", "类型", "满意度(1-5)"], ["C001", "2024-09-01", "拜访", 7],
                                                   ["C001", "2024-09-02", "拜访", 4]]}),
         Expect(log=(("互动", 2, "满意度(1-5)", "超出有效范围 1-5"),)), "cell cleared and logged"),
    Case("c20", "cleaning", "blank-like text (-, N/A, 无)",
         _book({"客户": [CH, ["C001", "-", "N/A", "无"]], "订单": B.orders_rows(1)}),
         Expect(values=(("customers", "customer_id", "C001", "customer_name", "未知"), ("customers", "customer_id", "C001", "contact_name", "未知"))),
         "treated as missing: 未知"),
    Case("c21", "cleaning", "percent text in a number column", _orders([["O1", "C001", "2024-09-01", 1, "15%"]], header=OH + ["折扣率"]),
         Expect(values=(("orders", "order_id", "O1", "discount", 0.15),)), "0.15"),
    Case("c22", "cleaning", "yes/no spellings", _book({"客户": [CH + ["是否续签"], ["C001", "甲", "张", "软件", "是"], ["C002", "乙", "李", "软件", "N"],
                                                               ["C003", "丙", "王", "软件", "√"], ["C004", "丁", "赵", "软件", "maybe"]],
                                                      "订单": B.orders_rows(1)}),
         Expect(values=(("customers", "customer_id", "C001", "contract_renewed", True), ("customers", "customer_id", "C002", "contract_renewed", False),
                        ("customers", "customer_id", "C003", "contract_renewed", True)),
                log=(("客户", 5, "是否续签", "无法识别的是/否值"),)), "是/N/√ read; maybe logged"),
    Case("c23", "cleaning", "blank rows inside and after the data",
         _orders([["O1", "C001", "2024-09-01", 1], [None, None, None, None], ["O2", "C002", "2024-09-01", 2], [None] * 4, [None] * 4]),
         Expect(orders=2, no_log_rows=(3, 5, 6)), "skipped silently (not logged)"),
    Case("c24", "cleaning", "numeric customer IDs vs text IDs",
         _book({"客户": [CH, [1001, "甲", "张", "软件"]], "订单": [OH, ["O1", "1001", "2024-09-01", 1]]}),
         Expect(customers=1, values=(("customers", "customer_id", "1001", "customer_name", "甲"),)), "1001 == '1001': joined"),
    Case("c25", "cleaning", "amount in scientific notation (Excel CSV export)", _csv(CSV_H + "O1,C001,2024-09-15,1.5E+11\n"),
         Expect(orders=1, values=(("orders", "order_id", "O1", "amount", 1.5e11),)), "150000000000"),
    Case("c26", "cleaning", "non-finite amounts (inf, 1e400, NaN)",
         _csv(CSV_H + "O1,C001,2024-09-15,inf\nO2,C002,2024-09-15,1e400\nO3,C003,2024-09-15,NaN\nO4,C004,2024-09-15,5\n"),
         Expect(orders=1, log=(("订单.csv", 2, "金额(元)", "无法识别的金额"), ("订单.csv", 3, "金额(元)", "无法识别的金额"),
                               ("订单.csv", 4, "金额(元)", "关键字段缺失"))), "rejected and logged; NaN counts as blank"),
    Case("c27", "cleaning", "whitespace-only customer ID", _orders([["O1", "   ", "2024-09-01", 1], ["O2", "C002", "2024-09-01", 1]]),
         Expect(orders=1, log=(("订单", 2, "客户ID", "关键字段缺失"),)), "missing: row rejected and logged"),
    Case("c28", "cleaning", "40,000-character customer name and control characters",
         lambda d: [B.text(d / "客户.csv", "客户ID,客户名称,联系人\nC001," + "长" * 40_000 + ",张\x07三\n"),
                    B.text(d / "订单.csv", CSV_H + "O1,C001,2024-09-01,1\n")],
         Expect(customers=1), "kept in memory; the report cell holds 32,767 characters (Excel's limit), control characters escaped",
         check=lambda o: _long_text_check(o)),
    Case("c29", "cleaning", "non-finite numbers in a number column (inf discount)",
         _orders([["O1", "C001", "2024-09-01", 1, "inf"]], header=OH + ["折扣率"]),
         Expect(orders=1, log=(("订单", 2, "折扣率", "无法识别的数字"),)), "logged, cell cleared"),
    Case("c30", "cleaning", "customer sheet with an extra column, orders of a customer not in it",
         _book({"客户": [CH + ["自定义列"], ["C001", "甲", "张", "软件", "x"]], "订单": B.orders_rows(2)}),
         Expect(customers=2, values=(("customers", "customer_id", "C002", "customer_name", "未知"),)),
         "C002 added (its extra column empty); used to crash with KeyError (found by the fuzzer)"),
    # ---------------------------------------------------------------- analysis
    Case("a01", "analysis", "Template 1's own example (C001/C002/C003)", _orders(_seed_orders()),
         Expect(customers=3, scores={"C001": (5, 5, 5, 15), "C002": (3, 4, 4, 11), "C003": (1, 2, 2, 5)},
                layers={"C001": "high_value", "C002": "potential", "C003": "at_risk"}), "5,5,5=15 高价值; 3,4,4=11 潜力; 1,2,2=5 流失风险"),
    Case("a02", "analysis", "a single customer with one order", _orders([["O1", "C001", "2024-09-15", 100]]),
         Expect(customers=1, scores={"C001": (5, 1, 1, 7)}, layers={"C001": "regular"}), "5,1,1=7 一般客户"),
    Case("a03", "analysis", "every order identical", _orders([[f"O{i}", f"C{i:03d}", "2024-09-01", 100] for i in range(5)]),
         Expect(customers=5, layers={f"C{i:03d}": "regular" for i in range(5)}), "all in one layer, no division by zero"),
    Case("a04", "analysis", "only refunds (all amounts negative)", _orders([["O1", "C001", "2024-09-01", -100], ["O2", "C002", "2024-09-01", -5]]),
         Expect(error="InputError", where=("订单", None, None), message=("no usable rows", "没有可冲减的购买")),
         "refunds are never purchases: no purchase left, InputError naming the reason"),
    Case("a05", "analysis", "every order after the analysis date", _orders([["O1", "C001", "2025-01-01", 100]]),
         Expect(customers=1, orders=1, log=(("订单", 2, "下单日期", "晚于分析日期"),)), "report built with no layered customer; logged"),
    Case("a06", "analysis", "no valid date at all", _orders([["O1", "C001", "x", 1], ["O2", "C002", "2024-13-01", 1]]),
         Expect(error="InputError", where=("订单", None, None), message=("no usable rows",)), "InputError"),
    Case("a07", "analysis", "customers without orders",
         _book({"客户": [CH, ["C001", "甲", "张", "软件"], ["C002", "乙", "李", "软件"], ["C003", "丙", "王", "软件"]], "订单": B.orders_rows(1)}),
         Expect(customers=3, layers={"C001": "regular"}), "in 客户 and KPIs, not layered (no purchase to score)"),
    Case("a08", "analysis", "rules mode: a customer matching no rule", _orders([["O1", "C001", "2024-09-01", 5]]),
         Expect(layers={"C001": "unclassified"}), "named fallback layer, never dropped", settings={"layer_mode": "rules"}),
    Case("a09", "analysis", "quantile scores with one customer", _orders([["O1", "C001", "2024-09-01", 5]]),
         Expect(customers=1, layers={"C001": "high_value"}), "scores 5 (alone at the top), no error", settings={"score_mode": "quantile"}),
    Case("a10", "analysis", "interactions of unknown customers only",
         _book({"订单": B.orders_rows(1), "互动": [["客户ID", "日期", "类型", "满意度(1-5)"], ["C999", "2024-09-01", "投诉", 1]]}),
         Expect(customers=1), "report built"),
    Case("a11", "analysis", "all amounts zero", _orders([["O1", "C001", "2024-09-01", 0], ["O2", "C002", "2024-09-01", 0]]),
         Expect(customers=2, scores={"C001": (5, 1, 1, 7)}), "no division by zero"),
    Case("a12", "analysis", "order on the analysis date itself", _orders([["O1", "C001", "2024-09-30", 1]]),
         Expect(scores={"C001": (5, 1, 1, 7)}), "recency 0 days: R 5"),
    Case("a13", "analysis", "leads with unknown stages and no customers",
         _book({"订单": B.orders_rows(1), "线索": [["线索编号", "创建日期", "阶段"], ["L1", "2024-09-01", "火星"], ["L2", "2024-09-01", "成交"]]}),
         Expect(customers=1), "funnel built; unknown stage counted as a lead only"),
    # ---------------------------------------------------------------- report
    Case("r01", "report", "report sheets present and hand-edited; user sheet added", _refreshed_book,
         Expect(), "report sheets regenerated, the edited 设置 value used (R of C001 4), user sheet byte-identical",
         mode="report", check=_check_refreshed),
    Case("r02", "report", "a chart sheet named like a report sheet", lambda d: [B.xlsx(d / "book.xlsx", {"订单": B.orders_rows()}, chartsheet="图表")],
         Expect(error="WorkbookError", where=("图表", None, None), message=("chart sheet",)), "refused; file unchanged", mode="report"),
    Case("r03", "report", "invalid value in 设置 (breakpoints not increasing)",
         lambda d: [_report_book(d, {"设置": [["名称", "值"], ["recency_breakpoints_days", "90, 60, 30, 10"]]})],
         Expect(error="SettingsError", where=("设置", 2, None)), "SettingsError naming sheet 设置 row 2; file unchanged", mode="report"),
    Case("r04", "report", "workbook open in Excel (~$ lock file)", lambda d: [_report_book(d)],
         Expect(error="WorkbookLockedError", message=("Close it",)), "WorkbookLockedError; file unchanged", mode="report", prepare=_lock),
    Case("r05", "report", "read-only workbook", lambda d: [_report_book(d)],
         Expect(error="WorkbookLockedError", message=("read-only",)), "WorkbookLockedError; file unchanged", mode="report", prepare=_read_only),
    Case("r06", "report", "formula-injection text in every text column",
         lambda d: [B.xlsx(d / "book.xlsx", {"客户": [CH + ["区域", "客户经理"]] + [[f"C{i:03d}", s, s, s, s, s] for i, s in enumerate(INJECT)],
                                            "订单": [OH + ["产品", "销售负责人"]] + [[f"O{i}", f"C{i:03d}", "2024-09-01", 100, s, s]
                                                                               for i, s in enumerate(INJECT)]})],
         Expect(), "every such cell is text in every sheet; no formula built from data", mode="report",
         check=_text_only([s for s in INJECT if not s.startswith(("\t", "\r"))])),
    Case("r07", "report", "URLs and UNC paths in data",
         lambda d: [B.xlsx(d / "book.xlsx", {"客户": [CH, ["C001", "https://evil.example/x", "\\\\server\\share\\a.xlsx", "file:///etc/passwd"]],
                                            "订单": B.orders_rows(1)})],
         Expect(), "plain text; no hyperlink or external-link part is created", mode="report",
         check=_text_only(["https://evil.example/x", "\\\\server\\share\\a.xlsx"])),
    Case("r08", "report", ".xls book updated in place", lambda d: [B.xls_fixture(d / "orders.xls")],
         Expect(error="WorkbookError", message=("-o",)), "WorkbookError: use -o; file unchanged", mode="report"),
    Case("r09", "report", ".xls book with -o new.xlsx", lambda d: [B.xls_fixture(d / "orders.xls")],
         Expect(), "new .xlsx with the data sheet and the report; .xls unchanged", mode="report", out="new.xlsx",
         check=lambda o: [] if {"订单", "RFM分层表"} <= set(__import__("openpyxl").load_workbook(o.target, read_only=True).sheetnames)
         else ["new workbook lacks 订单 or RFM分层表"]),
    Case("r10", "report", "zip bomb book updated in place", lambda d: [B.zip_bomb(d / "bomb.xlsx")],
         Expect(error="WorkbookError", message=("zip bomb",), seconds=10), "refused; file unchanged", mode="report"),
    Case("r11", "report", "report present but 设置 deleted", _refreshed_book_without_settings,
         Expect(), "defaults used; 设置 written again", mode="report",
         check=lambda o: [] if "设置" in __import__("openpyxl").load_workbook(o.target, read_only=True).sheetnames else ["设置 missing"]),
    Case("r12", "report", "output file is not .xlsx (-o out.csv)", lambda d: [_report_book(d)],
         Expect(error="InputError", message=(".xlsx",)), "InputError; nothing written", mode="report", out="out.csv"),
    Case("r13", "report", "data sheet renamed by the user ('订单 (2)')", lambda d: [B.xlsx(d / "book.xlsx", {"订单 (2)": B.orders_rows()})],
         Expect(), "found by its headers; report written", mode="report"),
    Case("r15", "report", "a report sheet renamed by the user", _edited_report(_rename_rfm),
         Expect(), "renamed sheet kept as the user's; a fresh RFM分层表 added; table names stay unique", mode="report",
         check=_check_sheets("RFM分层表", "RFM分层表（上月）")),
    Case("r16", "report", "a report sheet deleted by the user", _edited_report(_delete_churn),
         Expect(), "written again", mode="report", check=_check_sheets("流失预警")),
    Case("r17", "report", "merged cells, a comment, a formula and inserted rows in a report sheet", _edited_report(_mess_up_rfm),
         Expect(), "the sheet is regenerated clean; package consistent", mode="report", check=_check_sheets("RFM分层表")),
    Case("r18", "report", "a defined name and a user formula pointing into a report sheet", _edited_report(_name_into_report),
         Expect(), "name and formula kept; package consistent", mode="report",
         check=lambda o: _check_sheets("汇总")(o) + ([] if "我的高价值客户数" in __import__("openpyxl").load_workbook(o.target).defined_names
                                                  else ["defined name lost"])),
    Case("r19", "report", "a report book saved again by LibreOffice", _saved_by("xlsx:Calc MS Excel 2007 XML"),
         Expect(), "refreshed in place; package consistent", mode="report", check=_check_sheets("RFM分层表", "客户"),
         needs="libreoffice"),
    Case("r20", "report", "[Content_Types].xml entry without a ContentType", lambda d: [_no_content_type(d)],
         Expect(error="WorkbookError", message=("not recognised",)), "refused; file unchanged (used to crash with "
         "AttributeError, found by the fuzzer)", mode="report"),
    Case("r14", "report", "encrypted book updated in place", lambda d: [B.encrypted(d / "secret.xlsx")],
         Expect(error="WorkbookError", message=("password-protected",)), "WorkbookError; file unchanged", mode="report"),
]


def build_case(case: Case, root: pathlib.Path) -> list[pathlib.Path]:
    d = root / case.id
    d.mkdir(parents=True, exist_ok=True)
    return case.make(d)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--xls-fixture":
        print(B.make_xls_fixture())
        return 0
    out = pathlib.Path(argv[0] if argv else "corpus_out")
    for c in CASES:
        if c.slow and "--slow" not in argv:
            continue
        files = build_case(c, out)
        print(f"{c.id:4} {c.area:9} {c.title}: {', '.join(f.name for f in files)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
