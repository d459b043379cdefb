"""Header mapping for each dialect the product promises (issue 3 item 2)."""

import pytest

from crm_xl.errors import MissingColumnsError
from crm_xl.schema import CUSTOMERS, LEADS, ORDERS, map_headers, normalize_header, table_for_sheet


def test_normalize_header_folds_width_case_units_and_spaces():
    assert normalize_header("金额（元）") == "金额"
    assert normalize_header(" Customer  ID ") == "customerid"
    assert normalize_header("ＡＣＣＯＵＮＴ　ＩＤ") == "accountid"
    assert normalize_header("累计购买金额(元)") == "累计购买金额"


@pytest.mark.parametrize(
    "headers, expected",
    [
        # the template's own Chinese headers
        (["订单编号", "客户ID", "下单日期", "金额(元)", "产品"],
         {"order_id", "customer_id", "order_date", "amount", "product"}),
        # English
        (["Order ID", "Customer ID", "Order Date", "Amount"], {"order_id", "customer_id", "order_date", "amount"}),
        # Salesforce opportunity export
        (["Opportunity ID", "Account ID", "Close Date", "Amount", "Opportunity Owner"],
         {"order_id", "customer_id", "order_date", "amount", "owner"}),
        # 用友 sales-outbound export
        (["单据编号", "客户编码", "单据日期", "价税合计", "存货名称"],
         {"order_id", "customer_id", "order_date", "amount", "product"}),
    ],
)
def test_order_header_dialects(headers, expected):
    m = map_headers(headers, ORDERS)
    assert set(m.columns.values()) == expected
    assert m.unknown == []


def test_salesforce_account_export_maps_customers():
    m = map_headers(["Account ID", "Account Name", "Industry", "Billing State/Province", "Account Owner"], CUSTOMERS)
    assert m.rename_map() == {
        "Account ID": "customer_id",
        "Account Name": "customer_name",
        "Industry": "industry",
        "Billing State/Province": "region",
        "Account Owner": "owner",
    }


def test_dingtalk_customer_export_maps_and_keeps_unknown_columns():
    m = map_headers(["客户编码", "客户名称", "联系人", "所属行业", "客户来源", "备用字段1"], CUSTOMERS)
    assert m.rename_map()["客户编码"] == "customer_id"
    assert m.unknown == ["客户来源", "备用字段1"]


def test_primary_name_beats_earlier_synonym():
    # "客户" (a synonym of customer_name) comes first, "客户名称" is the primary name
    m = map_headers(["客户ID", "客户", "客户名称"], CUSTOMERS)
    assert m.rename_map()["客户名称"] == "customer_name"
    assert "客户" not in m.rename_map()
    assert m.duplicates == [("客户", "customer_name")]


def test_missing_required_column_names_it_and_what_was_found():
    with pytest.raises(MissingColumnsError) as e:
        map_headers(["单号", "客户代号", "日期", "金额"], ORDERS, sheet="订单")
    err = e.value
    assert err.missing == ["customer_id"]
    zh = err.message("zh")
    # names the missing column, its alternative, the header most like it and what was found
    assert "工作表「订单」" in zh and "「客户ID」（或「客户名称」）" in zh and "最接近的列：「客户代号」" in zh
    assert "单号、客户代号、日期、金额" in zh
    en = err.message("en")
    assert "sheet '订单'" in en and "'Customer ID' (or 'Customer Name')" in en and "closest: '客户代号'" in en


def test_orders_without_order_number_or_amount_column_are_accepted_through_alternatives():
    # no order number: one order per customer and day; quantity x unit price gives the amount;
    # a customer named instead of numbered
    m = map_headers(["Customer", "InvoiceDate", "Quantity", "UnitPrice"], ORDERS)
    assert m.rename_map() == {"Customer": "customer_name", "InvoiceDate": "order_date", "Quantity": "quantity",
                              "UnitPrice": "unit_price"}
    assert m.missing_required == []


def test_earlier_synonym_wins_paid_amount_over_receivable():
    # 朝阳医院 POS export: 应收金额 (receivable) stands before 实收金额 (paid); the paid amount is the sale
    m = map_headers(["购药时间", "社保卡号", "商品编码", "商品名称", "销售数量", "应收金额", "实收金额"], ORDERS)
    assert m.rename_map()["实收金额"] == "amount"
    assert m.rename_map()["社保卡号"] == "customer_id"
    assert m.rename_map()["销售数量"] == "quantity"


def test_sheet_names_resolve_to_tables():
    assert table_for_sheet("订单明细") is ORDERS
    assert table_for_sheet("Customers") is CUSTOMERS
    assert table_for_sheet("销售线索") is LEADS
    assert table_for_sheet("随便一个表") is None


@pytest.mark.parametrize(
    "table, headers, expected",
    [
        ("interactions", ["Account ID", "Activity Date", "Type", "Subject"],
         {"customer_id", "date", "type", "content"}),
        ("interactions", ["客户编号", "工单日期", "工单类型", "满意度", "首次响应时长", "是否解决"],
         {"customer_id", "date", "type", "satisfaction", "response_hours", "resolved"}),
        ("leads", ["Lead ID", "Create Date", "Lead Status", "Lead Source", "Lead Owner"],
         {"lead_id", "created_date", "stage", "source", "owner"}),
        ("leads", ["线索编号", "创建日期", "阶段", "成交客户ID", "来源"],
         {"lead_id", "created_date", "stage", "customer_id", "source"}),
        ("campaigns", ["Campaign ID", "Campaign Name", "Start Date", "End Date", "Actual Cost", "Type"],
         {"campaign_id", "campaign_name", "start_date", "end_date", "cost", "channel"}),
        ("targets", ["月份", "业务员", "大区", "目标金额"], {"period", "owner", "region", "target_amount"}),
        ("targets", ["Period", "Sales Rep", "Territory", "Quota"], {"period", "owner", "region", "target_amount"}),
    ],
)
def test_other_tables_header_dialects(table, headers, expected):
    from crm_xl.schema import TABLES

    m = map_headers(headers, TABLES[table])
    assert set(m.columns.values()) == expected
    assert m.unknown == []
