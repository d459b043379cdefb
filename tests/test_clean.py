"""Cleaning (issue 3 item 4) on small inline tables with hand-checked results."""

import pandas as pd
import pytest

from crm_xl.core.clean import LOG_COLUMNS, clean_dataset, clean_table
from crm_xl.errors import InputError, MissingColumnsError


def _orders():
    return pd.DataFrame({
        "订单编号": ["SO1", "SO2", "SO2", "SO3", "SO4", "SO5", "SO1"],
        "客户ID": [" c001", "C001", "C001", "C002", None, "C009", " c001"],
        "下单日期": ["2024/9/15", "2024年9月1日", "2024-09-02", 45550, "2024-09-03", "#N/A", "2024/9/15"],
        "金额(元)": ["1.5万", "150,000元", "10", "面议", 100, 50, "1.5万"],
        "客户来源": ["官网", "展会", "展会", "官网", "官网", "官网", "官网"],
    }, dtype=object)


def test_orders_cleaned_values_and_rejections():
    raw = _orders()
    before = raw.copy(deep=True)
    res = clean_table(raw, "orders", sheet="订单")
    pd.testing.assert_frame_equal(raw, before)  # the raw input is never mutated
    f = res.frame
    # SO1 duplicated exactly (row 8) -> removed; SO2 repeated ID -> first kept;
    # SO3's amount "面议" is text in a required number column, SO4 has no customer,
    # SO5 has an #N/A date -> those rows are rejected (and logged)
    assert f["order_id"].tolist() == ["SO1", "SO2"]
    assert f["customer_id"].tolist() == ["C001", "C001"]
    assert f["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-09-15", "2024-09-01"]
    assert f["amount"].tolist() == [15000.0, 150000.0]
    # unknown column kept after the canonical ones and reported
    assert list(f.columns)[-1] == "客户来源"
    assert res.unknown_columns == ["客户来源"]


def test_every_changed_cell_is_in_the_log_with_excel_row_numbers():
    res = clean_table(_orders(), "orders", sheet="订单", header_row=1)
    log = res.log
    assert list(log.columns) == LOG_COLUMNS
    def entry(row, col):
        return log[(log["row"] == row) & (log["column"] == col)]
    # row 2 is the first data row (header on row 1)
    assert entry(2, "客户ID")["new_value"].tolist() == ["C001"]
    assert entry(2, "金额(元)")["new_value"].tolist() == ["15000"]
    assert entry(2, "下单日期")["new_value"].tolist() == ["2024-09-15"]
    assert entry(5, "金额(元)")["reason"].tolist() == ["无法识别的金额", "该行被剔除：关键字段缺失（金额(元)）"]
    assert entry(5, "下单日期")["old_value"].tolist() == ["45550"]
    assert "关键字段缺失" in entry(6, "客户ID")["reason"].iloc[0]
    assert entry(7, "下单日期")["reason"].tolist()[0] == "Excel 错误值"
    assert entry(4, "订单编号")["reason"].tolist() == ["编号重复，保留第一条"]
    assert (log.loc[log["row"] == 8, "reason"] == "完全重复的行，已删除").any()
    assert set(log["sheet"]) == {"订单"}


def test_log_in_english():
    res = clean_table(_orders(), "orders", sheet="Orders", lang="en")
    assert "amount converted to 元" in set(res.log["reason"])


def test_missing_key_text_becomes_unknown_with_reason_and_industry_mapped():
    raw = pd.DataFrame({"客户ID": ["C1", "C2", "C3", "C4"], "客户名称": ["甲公司", None, "丙公司", "丁公司"],
                        "所属行业": ["IT", "制造", None, "宇宙航行"], "联系人": ["王经理", "李总", "", "赵女士"]},
                       dtype=object)
    res = clean_table(raw, "customers", sheet="客户")
    f = res.frame
    assert f["customer_name"].tolist() == ["甲公司", "未知", "丙公司", "丁公司"]
    assert f["industry"].tolist() == ["信息传输、软件和信息技术服务业", "制造业", "未知", "宇宙航行"]
    assert f["industry_code"].tolist()[:2] == ["I", "C"]
    assert f["contact_name"].tolist() == ["王经理", "李总", "未知", "赵女士"]
    log = res.log
    filled = log[log["reason"] == "补全为未知"]
    assert sorted(zip(filled["row"], filled["column"], strict=True)) == [(3, "客户名称"), (4, "所属行业"), (4, "联系人")]
    assert log[(log["row"] == 5) & (log["column"] == "所属行业")]["reason"].tolist() == [
        "行业无法映射到国标门类，保留原文"]


def test_conflicting_duplicate_customer_reported():
    raw = pd.DataFrame({"客户ID": ["C1", "C1"], "客户名称": ["甲公司", "甲公司（新）"]}, dtype=object)
    res = clean_table(raw, "customers", sheet="客户")
    assert res.frame["customer_name"].tolist() == ["甲公司"]
    assert res.log["reason"].tolist() == ["客户编号重复且信息不一致，保留第一条"]


def test_scores_out_of_bounds_rejected():
    raw = pd.DataFrame({"客户ID": ["C1", "C1", "C1"], "日期": ["2024-01-01", "2024-01-02", "2024-01-03"], "类型": ["满意度调研"] * 3,
                        "推荐意愿(0-10)": [10, 11, "九"]}, dtype=object)
    res = clean_table(raw, "interactions", sheet="互动")
    assert res.frame["nps_score"].tolist()[0] == 10.0
    assert res.frame["nps_score"].isna().tolist() == [False, True, True]
    nps_log = res.log[res.log["column"] == "推荐意愿(0-10)"]
    assert nps_log[["row", "reason"]].values.tolist() == [[3, "超出有效范围 0-10"], [4, "无法识别的数字"]]


def test_formula_looking_text_is_kept_verbatim():
    raw = pd.DataFrame({"客户ID": ["C1", "C2"], "客户名称": ["=HYPERLINK(\"x\")", "@营销部"]}, dtype=object)
    res = clean_table(raw, "customers", sheet="客户")
    assert res.frame["customer_name"].tolist() == ["=HYPERLINK(\"x\")", "@营销部"]
    assert len(res.log) == 0


def test_missing_required_column_is_a_clear_error():
    raw = pd.DataFrame({"客户ID": ["C1"], "金额": [1]}, dtype=object)
    with pytest.raises(MissingColumnsError) as e:
        clean_table(raw, "orders", sheet="订单")
    # the order number is optional (one order per customer and day without it); the date is not
    assert "「下单日期」" in e.value.message("zh") and "「订单编号」" not in e.value.message("zh")


def test_dataset_adds_customers_missing_from_the_customer_table():
    customers = pd.DataFrame({"客户ID": ["C001"], "客户名称": ["甲公司"]}, dtype=object)
    orders = pd.DataFrame({"订单编号": ["SO1", "SO2"], "客户ID": ["C001", "C777"], "下单日期": ["2024-01-01"] * 2,
                           "金额": [100, 200]}, dtype=object)
    res = clean_dataset({"customers": customers, "orders": orders})
    assert res.data.customers["customer_id"].tolist() == ["C001", "C777"]
    assert res.data.customers["customer_name"].tolist() == ["甲公司", "未知"]
    assert (res.log["reason"] == "订单中的客户不在客户表中，已按订单补建（信息为未知）").sum() == 1
    assert res.data.orders["amount"].sum() == 300  # no revenue lost


def test_dataset_without_orders_is_a_clear_error():
    with pytest.raises(InputError) as e:
        clean_dataset({"customers": pd.DataFrame({"客户ID": ["C1"]}, dtype=object)})
    assert "订单" in e.value.message("zh") and "order" in e.value.message("en")


def test_small_dirty_demo_cleans_without_error():
    """Regression: with 12 customers a dirty column's distinct values had no text left after
    stripping, and the blank check crashed (AttributeError) instead of cleaning."""
    from crm_xl.core.clean import clean_dataset
    from crm_xl.demo import generate_demo

    for n in (12, 13):
        cleaned = clean_dataset(generate_demo(n, dirty=True))
        assert len(cleaned.data.customers) >= n - 1


def test_merged_cells_fill_descriptive_columns_and_count_numbers_once():
    # Excel rows 2-4: one customer's three orders with the customer ID, the date and the
    # product merged down (value in the first row only, as Excel stores merged cells);
    # rows 5-6: an amount merged over two orders
    raw = pd.DataFrame({
        "订单编号": ["SO1", "SO2", "SO3", "SO4", "SO5"],
        "客户ID": ["C001", None, None, "C002", "C003"],
        "下单日期": ["2024-09-01", None, None, "2024-09-05", "2024-09-06"],
        "金额(元)": [100, 200, 300, 5000, None],
        "产品": ["CRM标准版", None, None, "实施服务", "实施服务"],
    }, dtype=object)
    before = raw.copy(deep=True)
    merged = [(0, 1, 2, 1), (0, 2, 2, 2), (0, 4, 2, 4), (3, 3, 4, 3)]
    res = clean_table(raw, "orders", sheet="订单", merged=merged)
    pd.testing.assert_frame_equal(raw, before)
    f = res.frame
    assert f["order_id"].tolist() == ["SO1", "SO2", "SO3", "SO4"]  # SO5 has no amount of its own
    assert f["customer_id"].tolist() == ["C001", "C001", "C001", "C002"]
    assert f["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-09-01"] * 3 + ["2024-09-05"]
    assert f["product"].tolist() == ["CRM标准版"] * 3 + ["实施服务"]
    assert f["amount"].sum() == 5600  # the merged 5000 is not doubled
    log = res.log
    fills = log[log["rule"] == "合并单元格"]
    assert fills[["row", "column", "new_value"]].values.tolist() == [
        [3, "客户ID", "C001"], [3, "下单日期", "2024-09-01"], [3, "产品", "CRM标准版"],
        [4, "客户ID", "C001"], [4, "下单日期", "2024-09-01"], [4, "产品", "CRM标准版"],
        [6, "金额(元)", ""],
    ]
    assert fills["reason"].tolist()[-1] == "合并单元格中的数值只计入第一行（避免重复计算）"
    assert log[log["row"] == 6]["reason"].tolist()[-1] == "该行被剔除：关键字段缺失（金额(元)）"


def test_merged_cells_flow_from_a_workbook_into_the_log(tmp_path):
    from openpyxl import Workbook

    from crm_xl.io import read_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单编号", "客户ID", "下单日期", "金额(元)"])
    ws.append(["SO1", "C001", "2024-09-01", 100])
    ws.append(["SO2", None, "2024-09-02", 200])
    ws.merge_cells("B2:B3")
    p = tmp_path / "m.xlsx"
    wb.save(p)
    res = clean_dataset(read_workbook(p))
    assert res.data.orders["customer_id"].tolist() == ["C001", "C001"]
    entry = res.log[res.log["rule"] == "合并单元格"]
    assert entry[["sheet", "row", "column", "new_value"]].values.tolist() == [["订单", 3, "客户ID", "C001"]]


def test_long_columns_clean_like_short_ones():
    """A column with thousands of distinct texts is screened with numpy (crm_xl.core.parse);
    it must clean exactly like the same values in small pieces, which take the plain path."""
    import numpy as np

    rng = np.random.default_rng(3)
    n = 6000
    ids = np.array([f"SO{i}" for i in range(n)], dtype=object)
    messy = [" so90001 ", "ＳＯ９０００２", "S O90003", "#N/A", "-", "NULL", "", "  ", "so-90004/x.y", "SO90005\t",
             "null "]  # rewritten IDs stay unique, so de-duplication cannot tell the pieces apart
    spots = rng.choice(n, len(messy), replace=False)
    ids[spots] = np.array(messy, dtype=object)
    names = np.array([f"客户{i}" if i % 5 else f" 客户{i} " for i in range(n)], dtype=object)
    raw = pd.DataFrame({"订单编号": ids, "客户ID": names, "下单日期": "2024-09-01", "金额(元)": 1,
                        "负责人": names}, dtype=object)
    from crm_xl.core.parse import Distinct

    assert all(Distinct(raw[c]).facts is not None for c in ("订单编号", "客户ID", "负责人"))  # the numpy screen
    assert Distinct(raw["订单编号"].iloc[:500]).facts is None  # the plain path
    whole = clean_table(raw, "orders", sheet="订单")
    parts = [clean_table(raw.iloc[i:i + 500].reset_index(drop=True), "orders", sheet="订单", header_row=1 + i)
             for i in range(0, n, 500)]
    pd.testing.assert_frame_equal(whole.frame, pd.concat([p.frame for p in parts], ignore_index=True))
    pd.testing.assert_frame_equal(whole.log, pd.concat([p.log for p in parts], ignore_index=True))
    assert len(whole.log) > 1000  # trims and ID rewrites were found on both paths


def test_industry_compound_words_map_to_their_own_section():
    from crm_xl.core.industry import map_industry

    # GB/T 4754-2017: 互联网零售 F5292 and e-commerce trade are 批发和零售业 (F), not
    # 电子 manufacturing (C) or 互联网 services (I); car dealers (汽车零售 F5261) are F too
    assert map_industry("电子商务")[0] == "F"
    assert map_industry("互联网零售")[0] == "F"
    assert map_industry("汽车销售")[0] == "F"
    assert map_industry("电子元器件")[0] == "C"
    assert map_industry("互联网")[0] == "I"


def test_industry_keeps_the_users_text_in_the_log():
    raw = pd.DataFrame({"客户ID": ["C1", "C2"], "所属行业": ["电子商务", "IT"]}, dtype=object)
    res = clean_table(raw, "customers", sheet="客户")
    assert res.frame["industry"].tolist() == ["批发和零售业", "信息传输、软件和信息技术服务业"]
    assert res.log[["row", "old_value", "new_value"]].values.tolist() == [
        [2, "电子商务", "F 批发和零售业"], [3, "IT", "I 信息传输、软件和信息技术服务业"]]


def test_long_datetime_columns_clean_like_short_ones():
    """Thousands of distinct datetime cells (as calamine returns Excel datetimes) are
    normalised and logged vectorised; same result as the per-value rules on small pieces."""
    import datetime as dt

    import numpy as np

    rng = np.random.default_rng(5)
    n = 4000
    start = dt.datetime(2024, 1, 1)
    cells = [start + dt.timedelta(days=int(d), seconds=int(s))
             for d, s in zip(rng.integers(0, 600, n), rng.integers(0, 86_400, n) * (rng.random(n) < 0.8), strict=True)]
    cells[::9] = [pd.Timestamp(x) for x in cells[::9]]
    raw = pd.DataFrame({"订单编号": [f"SO{i}" for i in range(n)], "客户ID": "C1",
                        "下单日期": pd.Series(cells, dtype=object), "金额(元)": 1}, dtype=object)
    whole = clean_table(raw, "orders", sheet="订单")
    parts = [clean_table(raw.iloc[i:i + 500].reset_index(drop=True), "orders", sheet="订单", header_row=1 + i)
             for i in range(0, n, 500)]
    pd.testing.assert_frame_equal(whole.frame, pd.concat([p.frame for p in parts], ignore_index=True))
    pd.testing.assert_frame_equal(whole.log, pd.concat([p.log for p in parts], ignore_index=True))
    first = whole.log.iloc[0]
    cell = cells[first["row"] - 2]
    assert first["old_value"] == str(cell) and first["new_value"] == f"{cell:%Y-%m-%d}"
    assert 0.7 * n < len(whole.log) < 0.9 * n  # the ~20 % at midnight are already clean


def test_date_order_decided_by_the_column_else_by_the_sheets_other_dates():
    # 12/13/2010 decides month-first for its column; 02/03/24 alone decides nothing
    raw = pd.DataFrame({"订单编号": ["1", "2"], "客户ID": ["A", "B"], "下单日期": ["12/1/2010 8:26", "12/13/2010 9:00"],
                        "金额": [1, 2]}, dtype=object)
    res = clean_table(raw, "orders")
    assert res.frame["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2010-12-01", "2010-12-13"]
    # an undecidable column takes the order another date column of the sheet shows (13/02/24: day first)
    raw = pd.DataFrame({"订单编号": ["1", "2"], "客户ID": ["A", "B"], "下单日期": ["02/03/24", "03/04/24"], "金额": [1, 2],
                        "创建日期": ["13/02/24", "14/03/24"]}, dtype=object)
    res = clean_table(raw, "orders")
    assert res.frame["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-02", "2024-04-03"]
    assert res.notes == []
    # nothing decides: month-first, and the note names the setting
    raw = raw.drop(columns=["创建日期"])
    res = clean_table(raw, "orders")
    assert res.frame["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-03", "2024-03-04"]
    assert "date_order" in res.notes[0][0] and "--date-format dmy" in res.notes[0][1]
    # the setting forces it
    res = clean_table(raw, "orders", date_order="dmy")
    assert res.frame["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-02", "2024-04-03"]
