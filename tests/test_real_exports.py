"""Real public exports, as exported (issue 15): the report's purchases are the real ones.

Each folder of ``tests/exports`` holds a small subset of an export nobody on this project
wrote, with a SOURCE.md (origin, licence, what decides a purchase). For each, the test
runs ``crm-xl report OUT --input <the files as exported>`` -- with no renamed header and at
most the one setting a human must decide, named in the console message -- and compares
every customer's purchase count, amount and last purchase date on the RFM分层表 with a
plain pandas computation of the real purchases written here from the SOURCE notes, not
with crm_xl's code.
"""

from __future__ import annotations

import pathlib

import openpyxl
import pandas as pd
import pytest

from crm_xl.cli import main

EXPORTS = pathlib.Path(__file__).parent / "exports"


def _rfm(book: pathlib.Path) -> dict[str, tuple[int, float, str]]:
    """Customer ID -> (purchases, amount, last purchase date) from the RFM table."""
    wb = openpyxl.load_workbook(book)
    ws = wb["RFM分层表"]
    ref = ws.tables["RFMLayers"].ref
    rows = [[c.value for c in r] for r in ws[ref]]
    head = rows[0]
    i_id, i_f, i_d = head.index("客户ID"), head.index("购买频次(次)"), head.index("最近购买日期")
    i_m = next(i for i, h in enumerate(head) if str(h).startswith("累计购买金额"))
    return {str(r[i_id]): (int(r[i_f]), round(float(r[i_m]), 2), f"{r[i_d]:%Y-%m-%d}") for r in rows[1:]}


def _truth(frame: pd.DataFrame, customer: str, amount: str, date: str, order: str | None = None) -> dict:
    """Customer -> (orders, amount, last date) from one row per purchase line; lines of one
    order share ``order`` (or the customer and day when None)."""
    f = frame.copy()
    f["_day"] = pd.to_datetime(f[date]).dt.normalize()
    key = [customer, order] if order else [customer, "_day"]
    orders = f.groupby(key, sort=False).agg(amount=(amount, "sum"), day=("_day", "min")).reset_index()
    g = orders.groupby(customer)
    return {str(c): (int(n), round(float(a), 2), f"{d:%Y-%m-%d}")
            for c, n, a, d in zip(g.size().index, g.size(), g["amount"].sum(), g["day"].max(), strict=True)}


def _report(tmp_path, files, *extra) -> tuple[dict, str]:
    out = tmp_path / "report.xlsx"
    assert main(["report", str(out), "--input", *map(str, files), *extra, "-q"]) == 0
    return _rfm(out), str(out)


def _same(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    wrong = {c: (got[c], want[c]) for c in want if got[c] != want[c]}
    assert wrong == {}


def test_crm_opportunity_pipeline_counts_won_deals_only(tmp_path):
    d = EXPORTS / "crm_opportunities"
    got, _ = _report(tmp_path, [d / "sales_pipeline.csv", d / "accounts.csv", d / "sales_teams.csv",
                                d / "products.csv"])
    pipe = pd.read_csv(d / "sales_pipeline.csv")
    won = pipe[pipe["deal_stage"] == "Won"]
    want = _truth(won, "account", "close_value", "close_date", "opportunity_id")
    _same(got, want)
    # accounts keyed by their name, kept as written (not ACMECORPORATION)
    assert "The New York Inquirer" in got
    # every account of accounts.csv is a customer (the 85 rows), the 6 with deals are layered
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert "sales_teams.csv" in {r[0].value for r in wb["字段映射"].iter_rows(min_row=6) if r[0].value}


def test_salesforce_data_loader_opportunities(tmp_path):
    d = EXPORTS / "salesforce_dataloader"
    got, _ = _report(tmp_path, [d / "Opportunity.csv", d / "Account.csv"])
    opp = pd.read_csv(d / "Opportunity.csv", encoding="utf-8-sig")
    won = opp[opp["IsWon"] == 1]
    assert set(won["StageName"]) == {"Closed Won"}
    _same(got, _truth(won, "AccountId", "Amount", "CloseDate", "Id"))
    # Salesforce IDs are case-sensitive: kept as exported
    assert all(c in set(opp["AccountId"]) for c in got)


def test_invoice_lines_with_cancellations_and_returns(tmp_path):
    d = EXPORTS / "online_retail_invoices"
    got, _ = _report(tmp_path, [d / "Online Retail.csv"])
    lines = pd.read_csv(d / "Online Retail.csv", dtype={"InvoiceNo": str, "CustomerID": str})
    lines = lines.dropna(how="all").drop_duplicates()
    lines = lines[lines["CustomerID"].notna()].copy()
    lines["CustomerID"] = lines["CustomerID"].str.replace(r"\.0$", "", regex=True)
    lines["value"] = lines["Quantity"] * lines["UnitPrice"]
    lines["day"] = pd.to_datetime(lines["InvoiceDate"], format="%m/%d/%Y %H:%M").dt.normalize()
    credit = lines["InvoiceNo"].str.startswith("C")
    bought = lines[~credit]
    want = _truth(bought, "CustomerID", "value", "day", "InvoiceNo")
    # credit notes reduce the amount of customers who bought; they are never a purchase
    refunds = lines[credit].groupby("CustomerID")["value"].sum()
    want = {c: (n, round(a + float(refunds.get(c, 0.0)), 2), day) for c, (n, a, day) in want.items()}
    _same(got, want)
    assert any(refunds.get(c, 0) < 0 for c in want)  # the subset really has netted returns
    # amounts name no currency; the one country of the export does (United Kingdom: pounds)
    ws = openpyxl.load_workbook(tmp_path / "report.xlsx")["RFM分层表"]
    assert "累计购买金额(英镑)" in [c.value for c in ws[ws.tables["RFMLayers"].ref][0]]


def test_transaction_log_without_order_numbers(tmp_path):
    d = EXPORTS / "transaction_log"
    got, _ = _report(tmp_path, [d / "CDNOW_master.txt"])
    log = pd.read_csv(d / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str})
    log["day"] = pd.to_datetime(log["date"], format="%Y%m%d")
    # one order per customer and day
    _same(got, _truth(log, "customer_id", "dollar_value", "day"))


def test_usd_amounts_far_below_the_seed_breakpoints_are_scored_by_quintiles_and_labelled(tmp_path):
    # CDNOW's customers spent tens of dollars: the seed's 元 breakpoints (>= 10,000 for M 2)
    # would give every one M 1; score_mode auto scores M by quintiles and says so
    d = EXPORTS / "transaction_log"
    out = tmp_path / "report.xlsx"
    assert main(["report", str(out), "--input", str(d / "CDNOW_master.txt"), "-q"]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["RFM分层表"]
    rows = [[c.value for c in r] for r in ws[ws.tables["RFMLayers"].ref]]
    head = rows[0]
    assert "累计购买金额(美元)" in head  # the header unit dollar_value names the currency
    m = [r[head.index("M得分(1-5)")] for r in rows[1:]]
    assert set(m) == {1, 2, 3, 4, 5} and max(m.count(k) for k in set(m)) <= 0.3 * len(m)
    note = ws["A3"].value
    assert "M得分：按五分位评分" in note and "F得分：购买频次 ≥10次=5分" in note
    assert any("M 按五分位评分" in (r[0] or "") for r in wb["设置"].iter_rows(max_row=6, values_only=True))


def test_english_report_of_an_english_export_is_english_throughout(tmp_path):
    d = EXPORTS / "crm_opportunities"
    out = tmp_path / "report.xlsx"
    assert main(["report", str(out), "--input", str(d / "sales_pipeline.csv"), str(d / "accounts.csv"),
                 "--lang", "en", "-q"]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["RFM Layers"]
    rows = [[c.value for c in r] for r in ws[ws.tables["RFMLayers"].ref]]
    industries = {r[rows[0].index("Industry")] for r in rows[1:]}
    assert industries and all(not any("\u4e00" <= ch <= "\u9fff" for ch in str(i)) for i in industries), industries
    assert rows[0][:4] == ["Customer ID", "Customer Name", "Contact", "Industry"]
    assert "Field Mapping" in wb.sheetnames


def test_us_dates_and_salesforce_won_flag(tmp_path):
    d = EXPORTS / "us_dates"
    got, _ = _report(tmp_path, [d / "Opportunity.csv", d / "Account.csv"])
    opp = pd.read_csv(d / "Opportunity.csv")
    won = opp[(opp["IsWon"] == True) & opp["Amount"].notna()].copy()  # noqa: E712
    won["day"] = pd.to_datetime(won["CloseDate"], format="%m/%d/%y")
    _same(got, _truth(won, "AccountId", "Amount", "day", "Id"))


def test_odoo_order_lines_continue_the_order_above(tmp_path):
    d = EXPORTS / "odoo_sale_order_export"
    got, _ = _report(tmp_path, [d / "o2m-quotations-order-lines.csv"])
    lines = pd.read_csv(d / "o2m-quotations-order-lines.csv")
    for c in ("Customer", "Order Date", "Order Reference"):
        lines[c] = lines[c].ffill()
    lines["value"] = lines["Order Lines/Quantity"] * lines["Order Lines/Unit Price"]
    _same(got, _truth(lines, "Customer", "value", "Order Date", "Order Reference"))


def test_mixed_currencies_need_the_converted_column(tmp_path, capsys):
    d = EXPORTS / "non_cny_currency"
    out = tmp_path / "first.xlsx"
    assert main(["report", str(out), "--input", str(d / "payments.csv")]) == 0
    err = capsys.readouterr().err
    # the one thing to set is named, with the file's own converted column
    assert "多种货币" in err and '--map "payments.csv:Converted Amount=金额,Converted Currency=币种"' in err
    # a warning, so it is shown even with --quiet (the mapping lines are not)
    assert main(["report", str(tmp_path / "quiet.xlsx"), "--input", str(d / "payments.csv"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "多种货币" in err and "→" not in err
    got, path = _report(tmp_path, [d / "payments.csv"], "--map",
                        "payments.csv:Converted Amount=金额,Converted Currency=币种")
    pay = pd.read_csv(d / "payments.csv", sep=";").drop_duplicates()
    pay = pay[pay["Customer ID"].notna()].copy()
    pay["day"] = pd.to_datetime(pay["Created date (UTC)"]).dt.normalize()
    # an invoice number is an order; a payment without one is its customer's order of that day
    pay["order"] = pay["Invoice Number"].fillna(pay["Customer ID"] + "@" + pay["day"].astype(str))
    _same(got, _truth(pay, "Customer ID", "Converted Amount", "day", "order"))
    wb = openpyxl.load_workbook(path)
    assert "累计购买金额(泰铢)" in [c.value for c in wb["RFM分层表"][5]]


@pytest.mark.parametrize("folder", sorted(p.name for p in EXPORTS.iterdir() if p.is_dir()))
def test_every_export_has_a_source_note(folder):
    note = (EXPORTS / folder / "SOURCE.md").read_text(encoding="utf-8")
    assert "licen" in note.lower()


def test_tickets_without_orders_still_give_the_service_side(tmp_path, capsys):
    d = EXPORTS / "support_tickets"
    out = tmp_path / "report.xlsx"
    assert main(["report", str(out), "--input", str(d / "Case.csv")]) == 0
    assert "没有订单数据" in capsys.readouterr().err
    cases = pd.read_csv(d / "Case.csv", encoding="utf-8-sig", dtype=str)
    wb = openpyxl.load_workbook(out)
    ws = wb["指标看板"]
    head = next(r for r in ws.iter_rows(values_only=True) if r[0] == "客户数")
    values = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None and r[0] != "客户数"
                  and isinstance(r[0], (int, float)))
    # every account with a ticket is a customer; no purchases, so no layer and no revenue
    assert values[head.index("客户数")] == cases["AccountId"].dropna().nunique()
    assert values[head.index("销售额(元)")] == 0
    rfm = wb["RFM分层表"]
    assert len([r for r in rfm[rfm.tables["RFMLayers"].ref]]) == 2  # header and the one empty row


@pytest.mark.slow
def test_field_mapping_sheet_corrections_survive_a_refresh(tmp_path):
    """The mapping shown on 字段映射 names the workbook's data sheets; a correction typed
    there (and one given with --map) is applied when the workbook is refreshed."""
    d = EXPORTS / "crm_opportunities"
    book = tmp_path / "report.xlsx"
    # with --map: the sales agent is not the owner of the deal here, leave it out
    assert main(["report", str(book), "--input", str(d / "sales_pipeline.csv"), str(d / "accounts.csv"), "-q",
                 "--map", "sales_pipeline.csv:sales_agent=-"]) == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["字段映射"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "来源")
    table = [r for r in rows[head + 1:] if r[0]]
    by = {(r[0], r[3]): r for r in table}
    assert by[("订单", "sales_agent")][4] == "（不使用）" and by[("订单", "sales_agent")][5] == "手动指定"
    assert by[("订单", "close_value")][4] == "金额(元)" and by[("订单", "close_value")][1] == "sales_pipeline.csv"
    # the user leaves the product out too, in the sheet, and refreshes
    for r in ws.iter_rows(min_row=head + 2):
        if r[0].value == "订单" and r[3].value == "product":
            r[4].value = "忽略"
    wb.save(book)
    assert main(["report", str(book), "-q"]) == 0
    wb = openpyxl.load_workbook(book)
    rows = list(wb["字段映射"].iter_rows(values_only=True))
    by = {(r[0], r[3]): r for r in rows[head + 1:] if r[0]}
    assert by[("订单", "product")][4] == "（不使用）" and by[("订单", "product")][5] == "手动指定"
    assert by[("订单", "sales_agent")][4] == "（不使用）"  # the earlier correction is kept
    # the refreshed report still counts the won deals of every account
    ws = wb["RFM分层表"]
    got = {r[0].value: r[5].value for r in ws[ws.tables["RFMLayers"].ref][1:]}
    pipe = pd.read_csv(d / "sales_pipeline.csv")
    won = pipe[pipe["deal_stage"] == "Won"]
    assert got == won.groupby("account").size().to_dict()
