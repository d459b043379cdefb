"""Canonical tables and columns, and the header dialects they are recognised under.

Every table crm_xl reads (customers, orders, interactions, leads, campaigns, sales
targets) has one canonical form: English snake_case column names (lifetimes-style where
such names exist) and a declared kind per column (id, text, date, money, ...). Data enters
in any known header dialect: the template's Chinese headers, English, Salesforce exports
(Account ID, Close Date, Stage, ...), 钉钉 / 用友 exports (客户编码, 单据日期, 价税合计, ...).
:func:`map_headers` maps a sheet's headers onto the canonical columns; unknown columns are
kept and reported, a missing required column raises one clear error naming it and what
was found instead.

This module is pure Python (no pandas needed to import it) so it can describe the
template workbook, the cleaning rules and the report alike.
"""

from __future__ import annotations

__all__ = [
    "ColumnKind",
    "Column",
    "Table",
    "TABLES",
    "CUSTOMERS",
    "ORDERS",
    "INTERACTIONS",
    "LEADS",
    "CAMPAIGNS",
    "TARGETS",
    "HeaderMapping",
    "normalize_header",
    "map_headers",
    "closest_headers",
    "missing_columns_error",
    "table_for_sheet",
]

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from .errors import MissingColumnsError


class ColumnKind(str, Enum):
    """What a column holds; drives cleaning and number formats."""

    ID = "id"  # identifier: trimmed, full-width -> half-width, kept as text
    TEXT = "text"  # free text
    CATEGORY = "category"  # a short label from a small set (region, stage, type)
    INDUSTRY = "industry"  # industry name, mapped to GB/T 4754 sections
    DATE = "date"  # calendar date (YYYY-MM-DD)
    MONEY = "money"  # amount in 元 (accepts 15万, 1.5w, ¥1,200.50, full-width digits)
    INT = "int"  # whole count
    NUMBER = "number"  # any real number (hours, percentages as fractions, ...)
    SCORE = "score"  # bounded score, e.g. 0-10 recommendation, 1-5 satisfaction
    BOOL = "bool"  # yes/no (是/否, Y/N, true/false, 1/0)


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``synonyms`` are header texts seen in exports; matching ignores case, spaces,
    punctuation, full-width forms and a trailing unit in brackets, e.g. "金额(元)".
    """

    key: str
    kind: ColumnKind
    zh: str
    en: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    description_zh: str = ""
    description_en: str = ""
    bounds: tuple[float, float] | None = None  # inclusive valid range for SCORE / NUMBER

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Table:
    """One canonical table: its sheet names (zh/en) and columns in template order."""

    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    sheet_synonyms: tuple[str, ...] = ()
    # columns whose combination identifies a record (used for de-duplication)
    primary_key: tuple[str, ...] = ()
    # columns recognised in exports and used while reading them (quantity x unit price,
    # a customer named instead of numbered, a won flag, ...), but not part of the
    # canonical table the analysis sees (crm_xl.core.dataset) or of the template
    intake_columns: tuple[Column, ...] = ()
    # a required column that may be absent when all of the listed columns are present,
    # e.g. ("amount", ("quantity", "unit_price")): the amount is quantity x unit price
    alternatives: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def sheet_name(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    @property
    def recognised(self) -> tuple[Column, ...]:
        """Every column :func:`map_headers` can map a header to: canonical, then intake-only."""
        return self.columns + self.intake_columns

    def column(self, key: str) -> Column:
        for c in self.recognised:
            if c.key == key:
                return c
        raise KeyError(key)

    def missing_required(self, present: "set[str] | frozenset[str]") -> list[str]:
        """Required columns absent from ``present`` and not replaced by their alternative."""
        alt = dict(self.alternatives)
        return [k for k in self.required
                if k not in present and not (k in alt and all(a in present for a in alt[k]))]


K = ColumnKind

CUSTOMERS = Table(
    key="customers",
    zh="客户",
    en="Customers",
    sheet_synonyms=("客户信息", "客户档案", "客户列表", "customer", "customers", "accounts", "account", "客户资料",
                    "会员", "会员信息", "clients"),
    primary_key=("customer_id",),
    # customers named instead of numbered: the name as written is the key
    alternatives=(("customer_id", ("customer_name",)),),
    columns=(
        Column("customer_id", K.ID, "客户ID", "Customer ID", True,
               ("客户编号", "客户编码", "客户代码", "客户号", "会员卡号", "会员编号", "会员号", "customer id",
                "customerid", "customer_id", "account id", "accountid", "account number", "client id",
                "customer number", "customer no", "cust id", "member id", "id"),
               "客户的唯一编号，订单、互动等表用它关联", "Unique customer identifier that links orders, interactions, ..."),
        Column("customer_name", K.TEXT, "客户名称", "Customer Name", False,
               ("客户", "客户全称", "公司名称", "企业名称", "单位名称", "会员姓名", "顾客姓名", "account name",
                "accountname", "account", "company", "company name", "customer", "customer name", "client",
                "client name", "name")),
        Column("contact_name", K.TEXT, "联系人", "Contact", False,
               ("联系人姓名", "主要联系人", "对接人", "contact name", "contact", "primary contact")),
        Column("contact_title", K.TEXT, "联系人职务", "Contact Title", False,
               ("职务", "职位", "title", "contact title", "job title")),
        Column("phone", K.TEXT, "联系方式", "Phone", False,
               ("联系电话", "电话", "手机", "手机号", "phone", "mobile", "telephone", "contact number")),
        Column("industry", K.INDUSTRY, "所属行业", "Industry", False,
               ("行业", "行业分类", "行业类别", "所在行业", "行业类型", "industry", "account industry", "sector")),
        Column("region", K.CATEGORY, "区域", "Region", False,
               ("所属区域", "地区", "大区", "销售区域", "省份", "国家", "城市", "region", "billing state/province",
                "territory", "area", "country", "billing country", "billingcountry", "billing state", "billingstate",
                "state", "office location", "city", "billing city", "billingcity")),
        Column("company_size", K.CATEGORY, "企业规模", "Company Size", False,
               ("规模", "公司规模", "人员规模", "employees", "company size", "size")),
        Column("owner", K.TEXT, "客户经理", "Account Owner", False,
               ("负责人", "销售负责人", "跟进人", "归属人", "业务员", "account owner", "owner", "sales rep",
                "owner id", "ownerid", "sales agent")),
        Column("first_purchase_date", K.DATE, "首次购买日期", "First Purchase Date", False,
               ("首购日期", "合作起始时间", "合作开始日期", "首次合作日期", "first purchase date",
                "customer since", "created date")),
        Column("acquisition_cost", K.MONEY, "获客成本(元)", "Acquisition Cost", False,
               ("获客成本", "获取客户成本", "获取成本", "acquisition cost", "cac")),
        Column("contract_start", K.DATE, "合同开始日期", "Contract Start", False,
               ("合同起始日期", "合同开始", "contract start date", "contract start")),
        Column("contract_end", K.DATE, "合同到期日期", "Contract End", False,
               ("合同结束日期", "合同到期日", "合同到期", "contract end date", "contract end")),
        Column("contract_renewed", K.BOOL, "是否续签", "Renewed", False,
               ("续签", "已续签", "合同续签", "renewed", "contract renewed")),
    ),
)

ORDERS = Table(
    key="orders",
    zh="订单",
    en="Orders",
    sheet_synonyms=("订单明细", "销售订单", "销售明细", "成交记录", "购买记录", "order", "opportunities", "opportunity",
                    "销售出库单", "销售发票", "invoices", "transactions", "sales", "deals", "销售记录", "交易记录"),
    primary_key=("order_id",),
    columns=(
        Column("order_id", K.ID, "订单编号", "Order ID", False,
               ("订单号", "订单ID", "单据编号", "单据号", "单号", "销售单号", "小票号", "流水号", "交易编号", "交易号",
                "发票号", "发票号码", "order id", "orderid", "order number", "order no", "opportunity id",
                "invoice no", "invoiceno", "invoice", "invoice number", "invoice id", "deal id", "transaction id",
                "receipt no", "sales order", "order reference", "reference", "id"),
               "同一编号的多行是同一订单的明细行（金额相加）；没有订单编号时，同一客户同一天的购买算一笔订单",
               "Rows sharing a number are lines of one order (amounts summed); without order numbers, one order "
               "per customer and day"),
        Column("customer_id", K.ID, "客户ID", "Customer ID", True,
               ("客户编号", "客户编码", "客户代码", "客户号", "会员卡号", "会员编号", "会员号", "社保卡号", "卡号",
                "顾客编号", "customer id", "account id", "accountid", "client id", "customer number", "customer no",
                "cust id", "member id", "buyer id", "user id")),
        Column("order_date", K.DATE, "下单日期", "Order Date", True,
               ("订单日期", "购买日期", "成交日期", "单据日期", "日期", "签约日期", "下单时间", "销售日期", "交易日期",
                "交易时间", "购药时间", "购买时间", "付款时间", "订单付款时间", "付款日期", "支付时间", "开票日期", "订单创建时间",
                "创建时间", "order date", "close date",
                "closedate", "date", "purchase date", "invoice date", "invoicedate", "transaction date", "sale date",
                "sales date", "order datetime", "order time", "date of purchase", "payment date", "paid at",
                "charge date", "created date", "created", "created at")),
        Column("amount", K.MONEY, "金额(元)", "Amount", True,
               ("订单金额", "成交金额", "购买金额", "销售金额", "合同金额", "价税合计", "含税金额", "金额", "实收金额",
                "实付金额", "买家实际支付金额", "实际支付金额", "实付款", "支付金额", "付款金额", "消费金额", "交易金额", "订单总额",
                "总金额", "合计金额", "应收金额",
                "amount", "order amount", "total", "revenue", "close value", "deal value", "deal amount", "value",
                "sales", "sale amount", "sales amount", "total amount", "line total", "order total", "total price",
                "payment value", "amount paid", "dollar value", "order value", "sales value")),
        Column("product", K.CATEGORY, "产品", "Product", False,
               ("产品名称", "产品/服务", "商品名称", "存货名称", "物料名称", "商品", "品名", "药品名称", "product",
                "product name", "product__c", "product template", "item", "item name", "product line", "description")),
        Column("profit", K.MONEY, "毛利(元)", "Profit", False,
               ("毛利", "利润", "毛利额", "gross profit", "profit", "margin")),
        Column("discount", K.NUMBER, "折扣率", "Discount", False,
               ("折扣", "优惠比例", "discount", "discount rate"), bounds=(0.0, 1.0)),
        Column("campaign_id", K.ID, "活动ID", "Campaign ID", False,
               ("活动编号", "营销活动", "campaign id", "campaign", "primary campaign source", "campaignid")),
        Column("owner", K.TEXT, "销售负责人", "Sales Owner", False,
               ("负责人", "业务员", "销售员", "销售代表", "opportunity owner", "owner", "sales rep", "sales agent",
                "salesperson", "owner id", "ownerid", "deal owner")),
        Column("status", K.CATEGORY, "订单状态", "Status", False,
               ("状态", "履行状态", "单据状态", "交易状态", "支付状态", "销售阶段", "商机阶段", "阶段", "status",
                "order status", "stage", "stage name", "stagename", "deal stage", "opportunity stage", "state")),
    ),
    intake_columns=(
        Column("customer_name", K.TEXT, "客户名称", "Customer Name", False,
               ("客户", "客户全称", "公司名称", "企业名称", "购货单位", "会员姓名", "顾客姓名", "customer name", "customer",
                "account name", "account", "client name", "client", "buyer", "company name", "company")),
        Column("quantity", K.NUMBER, "数量", "Quantity", False,
               ("销售数量", "购买数量", "件数", "quantity", "qty", "units", "quantity ordered")),
        Column("unit_price", K.MONEY, "单价", "Unit Price", False,
               ("销售单价", "售价", "零售价", "unit price", "unitprice", "price", "price each", "sale price")),
        Column("is_won", K.BOOL, "是否赢单", "Won", False,
               ("是否成交", "iswon", "is won", "won")),
        Column("currency", K.CATEGORY, "币种", "Currency", False,
               ("货币", "币别", "currency", "currency code", "currencyisocode", "currency iso code")),
        Column("region", K.CATEGORY, "区域", "Region", False,
               ("国家", "省份", "城市", "地区", "country", "region", "territory")),
    ),
    # the customer may be named instead of numbered; the amount may come as quantity x unit price
    alternatives=(("customer_id", ("customer_name",)), ("amount", ("quantity", "unit_price"))),
)

INTERACTIONS = Table(
    key="interactions",
    zh="互动",
    en="Interactions",
    sheet_synonyms=("互动记录", "沟通记录", "拜访记录", "客服工单", "工单", "服务记录", "activities",
                    "cases", "interaction"),
    primary_key=("interaction_id",),
    columns=(
        Column("interaction_id", K.ID, "记录编号", "Interaction ID", False,
               ("编号", "工单号", "工单编号", "记录ID", "case number", "casenumber", "activity id", "interaction id",
                "ticket id", "ticket number")),
        Column("customer_id", K.ID, "客户ID", "Customer ID", True,
               ("客户编号", "客户编码", "客户代码", "customer id", "account id")),
        Column("date", K.DATE, "日期", "Date", True,
               ("互动日期", "沟通日期", "拜访日期", "创建日期", "工单日期", "date", "activity date",
                "created date", "date/time opened")),
        Column("type", K.CATEGORY, "类型", "Type", True,
               ("互动类型", "记录类型", "工单类型", "方式", "type", "activity type", "case type", "ticket type",
                "channel", "ticket channel", "origin")),
        Column("satisfaction", K.SCORE, "满意度(1-5)", "Satisfaction (1-5)", False,
               ("满意度", "满意度评分", "satisfaction", "csat", "customer satisfaction rating",
                "satisfaction rating", "satisfaction score"), bounds=(1, 5)),
        Column("nps_score", K.SCORE, "推荐意愿(0-10)", "Recommend (0-10)", False,
               ("推荐意愿", "推荐评分", "NPS评分", "nps", "nps score", "likelihood to recommend"), bounds=(0, 10)),
        Column("response_hours", K.NUMBER, "响应时长(小时)", "Response Hours", False,
               ("响应时长", "响应时间", "首次响应时长", "response time", "response hours", "first response hours"),
               bounds=(0, 1e6)),
        Column("responded", K.BOOL, "是否响应", "Responded", False,
               ("客户是否响应", "已响应", "responded", "customer responded")),
        Column("resolved", K.BOOL, "是否解决", "Resolved", False,
               ("已解决", "解决状态", "resolved", "is closed", "closed")),
        Column("owner", K.TEXT, "负责人", "Owner", False,
               ("跟进人", "处理人", "客户经理", "owner", "assigned to", "case owner")),
        Column("content", K.TEXT, "内容", "Notes", False,
               ("沟通内容", "记录内容", "备注", "描述", "主题", "subject", "description", "notes", "comments",
                "ticket subject", "ticket description")),
    ),
    intake_columns=(
        Column("customer_name", K.TEXT, "客户名称", "Customer Name", False,
               ("客户", "客户全称", "公司名称", "会员姓名", "顾客姓名", "account", "account name", "company",
                "customer", "customer name", "client", "client name")),
    ),
    alternatives=(("customer_id", ("customer_name",)),),
)

LEADS = Table(
    key="leads",
    zh="线索",
    en="Leads",
    sheet_synonyms=("线索记录", "销售线索", "商机", "leads", "lead", "pipeline"),
    primary_key=("lead_id",),
    columns=(
        Column("lead_id", K.ID, "线索编号", "Lead ID", True,
               ("线索ID", "编号", "lead id", "leadid")),
        Column("created_date", K.DATE, "创建日期", "Created Date", True,
               ("线索日期", "日期", "获取日期", "created date", "create date")),
        Column("stage", K.CATEGORY, "阶段", "Stage", True,
               ("线索阶段", "销售阶段", "状态", "stage", "lead status", "status")),
        Column("customer_id", K.ID, "成交客户ID", "Converted Customer ID", False,
               ("客户ID", "客户编号", "转化客户", "converted account id", "customer id")),
        Column("source", K.CATEGORY, "来源", "Source", False,
               ("线索来源", "渠道", "lead source", "source")),
        Column("campaign_id", K.ID, "活动ID", "Campaign ID", False,
               ("活动编号", "营销活动", "campaign id", "campaign")),
        Column("owner", K.TEXT, "负责人", "Owner", False,
               ("跟进人", "销售", "lead owner", "owner")),
        Column("closed_date", K.DATE, "成交日期", "Closed Date", False,
               ("转化日期", "关闭日期", "converted date", "close date")),
    ),
)

CAMPAIGNS = Table(
    key="campaigns",
    zh="活动",
    en="Campaigns",
    sheet_synonyms=("营销活动", "市场活动", "campaign", "campaigns", "marketing"),
    primary_key=("campaign_id",),
    columns=(
        Column("campaign_id", K.ID, "活动ID", "Campaign ID", True,
               ("活动编号", "campaign id", "id")),
        Column("campaign_name", K.TEXT, "活动名称", "Campaign Name", False,
               ("活动", "名称", "campaign name", "name")),
        Column("channel", K.CATEGORY, "渠道", "Channel", False,
               ("活动渠道", "类型", "channel", "type")),
        Column("start_date", K.DATE, "开始日期", "Start Date", True,
               ("活动开始日期", "start date")),
        Column("end_date", K.DATE, "结束日期", "End Date", False,
               ("活动结束日期", "end date")),
        Column("cost", K.MONEY, "活动成本(元)", "Cost", True,
               ("成本", "投入", "费用", "预算", "actual cost", "cost", "budgeted cost")),
        Column("reached", K.INT, "触达客户数", "Customers Reached", False,
               ("触达人数", "覆盖客户数", "邀约数", "reached", "num sent", "audience")),
    ),
)

TARGETS = Table(
    key="targets",
    zh="销售目标",
    en="Sales Targets",
    sheet_synonyms=("目标", "业绩目标", "targets", "quota", "quotas"),
    primary_key=("period", "owner", "region"),
    columns=(
        Column("period", K.CATEGORY, "期间", "Period", True,
               ("月份", "季度", "年月", "period", "month", "quarter")),
        Column("owner", K.TEXT, "负责人", "Owner", False,
               ("销售", "业务员", "owner", "sales rep")),
        Column("region", K.CATEGORY, "区域", "Region", False,
               ("大区", "地区", "region", "territory")),
        Column("target_amount", K.MONEY, "目标金额(元)", "Target Amount", True,
               ("目标金额", "销售目标", "目标", "target", "quota", "target amount")),
    ),
)

TABLES: dict[str, Table] = {t.key: t for t in (CUSTOMERS, ORDERS, INTERACTIONS, LEADS, CAMPAIGNS, TARGETS)}

_UNIT_SUFFIX = re.compile(r"[\(\[（【][^\)\]）】]*[\)\]）】]$")
_NON_WORD = re.compile(r"[\s_\-/\\.:：·,，、]+")


def normalize_header(text: object) -> str:
    """Normalise a header for matching: NFKC (full-width -> half-width), lower case,
    trailing bracketed unit removed ("金额（元）" -> "金额"), spaces/punctuation removed."""
    if isinstance(text, str):
        return _normalize_text(text)
    return _normalize_text(str(text if text is not None else ""))


@functools.lru_cache(maxsize=8192)
def _normalize_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip().lower()
    stripped = _UNIT_SUFFIX.sub("", s).strip()
    if stripped:
        s = stripped
    return _NON_WORD.sub("", s)


def _column_names(col: Column) -> list[str]:
    return [col.key, col.zh, col.en, *col.synonyms]


_PRIMARY = 3  # the first three names of a column (key, zh, en) are its own; the rest synonyms


_RANKS: dict[int, tuple[Table, dict[str, list[tuple[int, str]]]]] = {}


def _name_ranks(table: Table) -> dict[str, list[tuple[int, str]]]:
    """Normalised name -> [(rank, column key)]: rank 0-2 are a column's own names, 3+ its
    synonyms in the order listed (an earlier synonym is the better match). Computed once
    per table object (read only: a report matches headers about a hundred times)."""
    hit = _RANKS.get(id(table))
    if hit is not None and hit[0] is table:
        return hit[1]
    out: dict[str, list[tuple[int, str]]] = {}
    for col in table.recognised:
        seen: set[str] = set()
        for rank, name in enumerate(_column_names(col)):
            n = normalize_header(name)
            if n and n not in seen:
                seen.add(n)
                out.setdefault(n, []).append((rank, col.key))
    _RANKS[id(table)] = (table, out)
    return out


@dataclass
class HeaderMapping:
    """Result of matching a sheet's headers to a table.

    ``columns`` maps the position of each recognised source column to its canonical key;
    ``unknown`` lists source headers that matched nothing (they are kept, not dropped);
    ``duplicates`` lists source headers that matched a key already taken.
    """

    table: Table
    columns: dict[int, str] = field(default_factory=dict)
    source_headers: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)

    @property
    def missing_required(self) -> list[str]:
        return self.table.missing_required(set(self.columns.values()))

    def rename_map(self) -> dict[str, str]:
        """Source header -> canonical key, for the recognised columns."""
        return {self.source_headers[i]: k for i, k in self.columns.items()}


def _last_part(header: str) -> str:
    """The last part of a relational header ("Order Lines/Quantity" -> "quantity", Odoo's
    export of an order's lines), normalised; "" when there is no such part."""
    h = str(header)
    return normalize_header(h.rsplit("/", 1)[1]) if "/" in h and h.rsplit("/", 1)[1].strip() else ""


def closest_headers(key: str, table: Table, headers: "list[str]", n: int = 3) -> list[str]:
    """The source headers most like the names of ``table``'s column ``key`` (for messages)."""
    import difflib

    names = {normalize_header(x) for x in _column_names(table.column(key))}
    scored = []
    for h in headers:
        nh = normalize_header(h)
        if not nh:
            continue
        best = max((difflib.SequenceMatcher(None, nh, name).ratio() for name in names), default=0.0)
        if any(nh in name or name in nh for name in names if len(name) >= 2 and len(nh) >= 2):
            best = max(best, 0.75)
        if best >= 0.5:
            scored.append((-best, h))
    return [h for _, h in sorted(scored)[:n]]


def missing_columns_error(table: Table, missing: list[str], headers: "list[str]", *,
                          sheet: str | None = None,
                          by_content: "dict[str, list[str]] | None" = None) -> MissingColumnsError:
    """The error for required columns missing from ``headers``: names each missing column,
    the headers found, and the found headers closest to each missing one -- those whose
    values look like the column's kind first (``by_content``: key -> headers whose values
    are dates, numbers, ...), then those whose names are alike."""
    found = [h for h in headers if h]
    zh_parts, en_parts = [], []
    alt = dict(table.alternatives)
    for k in missing:
        col = table.column(k)
        near = list(dict.fromkeys([*(by_content or {}).get(k, []), *closest_headers(k, table, found)]))[:3]
        zh = f"「{col.zh}」"
        en = f"'{col.en}'"
        if k in alt:
            zh += "（或" + "与".join(f"「{table.column(a).zh}」" for a in alt[k]) + "）"
            en += " (or " + " and ".join(f"'{table.column(a).en}'" for a in alt[k]) + ")"
        if near:
            zh += "，最接近的列：" + "、".join(f"「{h}」" for h in near)
            en += ", closest: " + ", ".join(f"'{h}'" for h in near)
        zh_parts.append(zh)
        en_parts.append(en)
    found_zh = "、".join(found[:20]) or "（空）"
    found_en = ", ".join(found[:20]) or "(none)"
    return MissingColumnsError(
        f"{table.zh}数据缺少必需的列 {'；'.join(zh_parts)}。找到的列是：{found_zh}。"
        "请检查表头，或用 --map 文件:原表头=字段（或「字段映射」工作表）指定对应关系。",
        f"{table.en.lower()} data lacks required column(s) {'; '.join(en_parts)}. Found instead: {found_en}. "
        "Check the header row, or say which column is which with --map FILE:HEADER=FIELD (or the Field Mapping sheet).",
        missing=missing, found=found, sheet=sheet,
    )


def map_headers(headers: Sequence[object], table: Table, *, sheet: str | None = None, strict: bool = True) -> HeaderMapping:
    """Match ``headers`` (as they appear in a sheet or CSV) to ``table``'s columns.

    A column's own names (key, zh, en) beat synonyms wherever they stand; among synonyms
    the one listed first wins (实收金额 before 应收金额), then the leftmost header. Each
    canonical column is taken by one source column. With ``strict`` a missing required
    column raises :class:`MissingColumnsError` naming it, the headers found and the ones
    closest to it.
    """
    ranks = _name_ranks(table)
    mapping = HeaderMapping(table=table, source_headers=["" if h is None else str(h).strip() for h in headers])
    candidates = []
    for i, h in enumerate(mapping.source_headers):
        for rank, key in ranks.get(normalize_header(h), ()) or ranks.get(_last_part(h), ()):
            candidates.append((rank, i, key))
    taken: set[str] = set()
    for _, i, key in sorted(candidates):
        if i in mapping.columns or key in taken:
            continue
        mapping.columns[i] = key
        taken.add(key)
    for i, h in enumerate(mapping.source_headers):
        if i in mapping.columns:
            continue
        keys = [key for _, key in ranks.get(normalize_header(h), ()) or ranks.get(_last_part(h), ())]
        if keys:
            mapping.duplicates.append((h, keys[0]))
        elif h:
            mapping.unknown.append(h)
    if strict and mapping.missing_required:
        raise missing_columns_error(table, mapping.missing_required, mapping.source_headers, sheet=sheet)
    return mapping


def table_for_sheet(sheet_name: str) -> Table | None:
    """The canonical table a sheet name refers to (zh/en names and synonyms), or None."""
    n = normalize_header(sheet_name)
    for t in TABLES.values():
        if n in {normalize_header(x) for x in (t.key, t.zh, t.en, *t.sheet_synonyms)}:
            return t
    return None
