"""ReportSpec -> a live xlwings ``Book`` (Excel desktop through COM, or Office.js through
xlwings Lite / Server and the remote engine used by the tests).

The second renderer of the ReportSpec contract (``docs/rendering.md``): the same sheets,
the same values, drawn with xlwings' public ``Book`` / ``Sheet`` / ``Range`` API only, so
one code path serves every engine. What an engine cannot do is skipped and recorded in
:attr:`BookRender.fallbacks` (``docs/excel.md`` lists them), never an error.

How it works:

1. **Compute first.** Every sheet of the spec is prepared before anything is written:
   editable columns are read back from the old report sheets and merged
   (:mod:`crm_xl.render.editable`), every block's cell matrix is built. A failure here
   leaves the workbook untouched.
2. **Then write**, sheet by sheet: a report sheet that exists is replaced (a new sheet
   takes its place and name; the old one is deleted), a new one is inserted next to its
   spec neighbours; other sheets get no write. Per block: number formats first (so text
   columns are text before any value arrives), then **one** value write for the block
   (title, header and data rows), then fonts / fills / borders, the Excel Table, data
   validation lists, conditional formats and header notes. Column widths, row heights,
   merged text lines, frozen panes, gridlines follow; charts come last, when all sheets
   exist.

Data safety: values are data. A text that starts with ``=``, ``+``, ``-``, ``@`` or an
apostrophe is written with a leading apostrophe (Excel's "this is text" prefix, not part
of the value), as is, in a column not formatted as text, any text Excel would otherwise
turn into a number, date, time or boolean (``"00123"``, ``"2024-01-05"``, ``"TRUE"``).
Only ``ColumnSpec.formula`` writes formulas.

Cell values and the text guard are in :mod:`crm_xl.render.book_values`, reading a Book's
sheets and old tables in :mod:`crm_xl.render.book_read`; this module re-exports them.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable

from ..a1 import cell_ref
from ..report.spec import NUMERIC_KINDS, ChartSpec, ReportSpec, SheetSpec, TableBlock, TextBlock
from ..texts import Texts
from .book_read import read_old_tables, read_sheet_rows_from_book
from .book_values import cell_values, guard_text

TEXTS = Texts({
    "footer": ("第 &P 页，共 &N 页", "Page &P of &N"),  # the printed page's footer (Excel's codes)
    # progress
    "writing": ("写入工作表「{name}」", "writing sheet '{name}'"),
    "drawing": ("绘制图表「{name}」", "drawing charts on '{name}'"),
})
from .editable import apply_editable
from .xlsx_styles import FONT_NAME, PALETTE, estimate_lines, sheet_widths

__all__ = ["render_book", "BookRender", "cell_values", "guard_text", "read_sheet_rows_from_book",
           "read_old_tables"]


_TEXT_STYLE = {  # size, bold, italic, colour, row height (points)
    "title": (16, True, False, PALETTE["title"], 30.0),
    "heading": (12, True, False, PALETTE["heading"], 21.0),
    "body": (10, False, False, None, 16.5),
    "note": (9, False, True, PALETTE["note"], 14.0),
}
_LINE_HEIGHT = 15.0
_CM = 28.3465  # points per centimetre


@dataclass
class BookRender:
    """What :func:`render_book` did: sheets written (spec order) and features the engine
    could not draw (``"sheet: what"``), see ``docs/excel.md``."""

    sheets: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# plan: everything computed before the first write


@dataclass
class _TablePlan:
    block: TableBlock
    matrix: list[list[object]]  # title row (if any), header, data rows
    formats: list[str]


@dataclass
class _SheetPlan:
    spec: SheetSpec
    widths: dict[int, float]
    tables: dict[str, _TablePlan]


def _table_plan(t: TableBlock) -> _TablePlan:
    n = len(t.data)
    first = t.first_data_row
    cols: list[list[object]] = []
    for c in t.columns:
        if c.formula is not None:
            cols.append([c.formula.replace("{row}", str(r)) for r in range(first, first + n)])
        else:
            cols.append(cell_values(t.data[c.key], c.kind, text_format=c.number_format == "@"))
    rows = [list(r) for r in zip(*cols, strict=True)] if n else []
    if not rows and t.as_excel_table:
        rows = [[None] * len(t.columns)]
    header = [c.header for c in t.columns]
    matrix = ([[t.title] + [None] * (len(t.columns) - 1)] if t.title else []) + [header] + rows
    return _TablePlan(t, matrix, [c.number_format for c in t.columns])


def _plan(spec: ReportSpec) -> list[_SheetPlan]:
    return [_SheetPlan(sh, sheet_widths(sh), {t.name: _table_plan(t) for t in sh.tables}) for sh in spec.sheets]


# ---------------------------------------------------------------------------------------
# engine helpers


def _engine(book) -> str:
    try:
        return book.app.engine.name
    except Exception:  # noqa: BLE001
        return ""


def _width_units(book, chars: float) -> float:
    """Column width in the engine's unit: characters on the desktop engines, points on
    Office.js (the remote engine passes the number through)."""
    if _engine(book) == "remote":
        return round(chars * 7 * 0.75 + 3.75, 2)  # Calibri 11: 7 px per character + 5 px padding
    return round(chars, 2)


class _Recorder:
    """Runs optional drawing steps; records what the engine could not do."""

    def __init__(self, result: BookRender):
        self.result = result

    def __call__(self, where: str, what: str, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - cosmetic step: record and carry on
            self.result.fallbacks.append(f"{where}: {what} ({type(exc).__name__}: {exc})")


@contextmanager
def _quiet_app(book):
    """Screen updating off on the desktop (restored afterwards); a no-op elsewhere."""
    app = book.app
    desktop = _engine(book) not in ("remote", "")
    old = None
    if desktop:
        try:
            old = app.screen_updating
            app.screen_updating = False
        except Exception:  # noqa: BLE001
            old = None
    try:
        yield
    finally:
        if old is not None:
            try:
                app.screen_updating = old
            except Exception:  # noqa: BLE001
                pass


def _com(sheet):
    """The Windows COM object of ``sheet`` (for features xlwings' API lacks), else None."""
    if sys.platform != "win32":
        return None
    try:
        if sheet.book.app.engine.name != "excel":
            return None
        return sheet.api
    except Exception:  # noqa: BLE001
        return None


# ---------------------------------------------------------------------------------------
# placing sheets


def _placement(book, spec: ReportSpec, name: str) -> tuple[str, object]:
    """('after', sheet) / ('before', sheet) / ('end', None) for a new spec sheet."""
    names = {s.name.lower(): s for s in book.sheets}
    order = list(spec.sheet_names)
    i = order.index(name)
    for prev in reversed(order[:i]):
        if prev.lower() in names:
            return "after", names[prev.lower()]
    for nxt in order[i + 1:]:
        if nxt.lower() in names:
            return "before", names[nxt.lower()]
    return "end", None


def _add_sheet(book, name: str, how: str, ref):
    sheets = book.sheets
    if how == "after":
        return sheets.add(name, after=ref)
    if how == "before":
        if ref.index == 1:
            return sheets.add(name, before=ref)
        return sheets.add(name, after=sheets[ref.index - 2])
    return sheets.add(name, after=sheets[len(sheets) - 1])


def _replace_sheet(book, old) -> object:
    """A fresh sheet in ``old``'s place and name; ``old`` is deleted."""
    name = old.name
    taken = {s.name.lower() for s in book.sheets}
    tmp = next(f"~crm_xl{i}" for i in range(1000) if f"~crm_xl{i}" not in taken)
    new = book.sheets.add(tmp, after=old)
    old.delete()
    new.name = name
    return new


# ---------------------------------------------------------------------------------------
# drawing


def _a1(row: int, col: int) -> str:
    return cell_ref(row, col)


def _draw_text(ws, b: TextBlock, widths: dict[int, float], opt, where: str) -> None:
    size, bold, italic, color, height = _TEXT_STYLE[b.style]
    n = len(b.lines)
    rng = ws.range((b.row, b.col), (b.row + n - 1, b.col))
    rng.value = [[guard_text(str(line), text_format=False)] for line in b.lines]
    full = ws.range((b.row, b.col), (b.row + n - 1, b.col + max(b.merge_cols, 1) - 1))

    def font():
        kw = {"name": FONT_NAME, "size": size, "bold": bold, "italic": italic}
        if color:
            kw["color"] = "#" + color
        full.font.set(**kw)

    opt(where, "text font", font)
    merge = b.merge_cols > 1
    wrap = merge or getattr(b, "wrap", False)
    if merge:
        opt(where, "merged text lines", lambda: full.merge(across=True))
    if wrap:
        opt(where, "wrapped text", lambda: setattr(full, "wrap_text", True))
        opt(where, "text alignment", lambda: setattr(full, "vertical_alignment", "top"))
    span = sum(widths.get(b.col + i, 8.43) for i in range(max(b.merge_cols, 1)))
    for i, line in enumerate(b.lines):
        h = height
        if wrap:
            lines = estimate_lines(str(line), span * (0.9 if b.style in ("title", "heading") else 1.0))
            h = max(h, lines * (_LINE_HEIGHT if b.style != "title" else 24.0) + 3)
        if h != 15.0:
            r = b.row + i
            opt(where, "row height", lambda r=r, h=h: setattr(ws.range((r, b.col)), "row_height", h))


def _draw_table(ws, tp: _TablePlan, opt, where: str, lang: str) -> None:
    t = tp.block
    ncol = len(t.columns)
    c0, c1 = t.col, t.col + ncol - 1
    h = t.header_row
    first, last = t.first_data_row, max(t.last_row, t.header_row)
    # 1. number formats before values: a text column is text before any value arrives
    if last >= first:
        runs: list[tuple[int, int, str]] = []
        for i, fmt in enumerate(tp.formats):
            if runs and runs[-1][2] == fmt and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i, fmt)
            else:
                runs.append((i, i, fmt))
        for a, b, fmt in runs:
            if fmt != "General":
                ws.range((first, c0 + a), (last, c0 + b)).number_format = fmt
    # 2. one value write for the block
    ws.range((t.row, c0), (t.row + len(tp.matrix) - 1, c1)).value = tp.matrix
    # 3. looks
    if t.title:
        opt(where, "table caption font", lambda: ws.range((t.row, c0)).font.set(
            name=FONT_NAME, size=11, bold=True, color="#" + PALETTE["heading"]))
        opt(where, "row height", lambda: setattr(ws.range((t.row, c0)), "row_height", 21))
    head = ws.range((h, c0), (h, c1))
    opt(where, "header font", lambda: head.font.set(name=FONT_NAME, size=10, bold=True, color="#" + PALETTE["header_font"]))
    opt(where, "header fill", lambda: setattr(head, "color", "#" + PALETTE["header_fill"]))
    opt(where, "header alignment", lambda: (setattr(head, "horizontal_alignment", "center"),
                                            setattr(head, "vertical_alignment", "center"),
                                            setattr(head, "wrap_text", True)))
    if last >= first:
        body = ws.range((first, c0), (last, c1))
        opt(where, "data font", lambda: body.font.set(name=FONT_NAME, size=10))
        for i, c in enumerate(t.columns):
            align = c.align or ("right" if c.kind in NUMERIC_KINDS else "center" if c.kind == "date" else None)
            col = ws.range((first, c0 + i), (last, c0 + i))
            if align:
                opt(where, f"alignment of {c.header}", lambda col=col, align=align: setattr(col, "horizontal_alignment", align))
            if c.wrap:
                opt(where, f"wrap of {c.header}", lambda col=col: setattr(col, "wrap_text", True))
            fill = getattr(c, "background", None)
            if fill:  # input cells (editable columns) and explicit fills
                opt(where, f"fill of {c.header}", lambda col=col, fill=fill: setattr(col, "color", "#" + fill))
    box = ws.range((h, c0), (last, c1))
    opt(where, "cell borders", lambda: box.borders.set("all", line_style="continuous", weight="thin",
                                                        color="#" + PALETTE["border"]))
    # 4. the Excel Table
    if t.as_excel_table:
        ws.tables.add(source=box, name=t.name, table_style_name=t.style)
    if last < first:
        return
    # 5. validation lists, conditional formats, header notes
    for i, c in enumerate(t.columns):
        if c.validation:
            rng = ws.range((first, c0 + i), (last, c0 + i))
            opt(where, f"drop-down list of {c.header}", lambda rng=rng, c=c: rng.data_validation.set_list(list(c.validation)))
        if c.comment:
            opt(where, f"note on {c.header}", lambda i=i, c=c: ws.range((h, c0 + i)).add_note(c.comment))
    for cf in t.conditional_formats:
        L = _a1(1, t.column_index(cf.column))[:-1]
        rng = ws.range((first, c0), (last, c1)) if cf.whole_row else ws.range((first, t.column_index(cf.column)), (last, t.column_index(cf.column)))
        if cf.kind == "equals":
            formula = f'=${L}{first}="' + cf.value.replace('"', '""') + '"'
        else:
            formula = "=" + cf.value.replace("{col}", L).replace("{row}", str(first)).lstrip("=")
        kw = {"fill_color": "#" + cf.fill}
        if cf.font_color:
            kw["font_color"] = "#" + cf.font_color
        if cf.bold:
            kw["font_bold"] = True
        opt(where, f"conditional format on {cf.column}",
            lambda rng=rng, formula=formula, kw=kw: rng.conditional_formats.add_custom(formula, **kw))


def _draw_sheet(ws, plan: _SheetPlan, book, opt, lang: str) -> None:
    sh = plan.spec
    where = sh.name
    for col, w in sorted(plan.widths.items()):
        letter = _a1(1, col)[:-1]
        rng = ws.range(f"{letter}:{letter}")
        opt(where, "column width", lambda rng=rng, w=w: setattr(rng, "column_width", _width_units(book, w)))
    for b in sh.blocks:
        if isinstance(b, TextBlock):
            _draw_text(ws, b, plan.widths, opt, where)
        else:
            _draw_table(ws, plan.tables[b.name], opt, where, lang)
    opt(where, "gridlines", lambda: setattr(ws, "show_gridlines", sh.gridlines))
    if sh.freeze:
        def freeze():
            try:
                ws.freeze_panes.freeze_at(sh.freeze)
            except (NotImplementedError, AttributeError):  # classic Windows engine: through COM
                com = _com(ws)
                if com is None:
                    raise
                _com_freeze(com, sh.freeze)
        opt(where, "frozen panes", freeze)
    com = _com(ws)
    if com is not None:  # Windows desktop: what xlwings' API does not cover
        opt(where, "tab colour / page setup", lambda: _com_extras(com, sh, lang))
    else:
        if sh.tab_color or sh.landscape or sh.fit_width or sh.repeat_rows:
            plan_note = "tab colour, page setup (orientation, fit to width, print titles, footer)"
            opt(where, plan_note, lambda: (_ for _ in ()).throw(NotImplementedError("not in xlwings' API")))


def _com_freeze(com, cell: str) -> None:
    m = re.match(r"([A-Z]+)(\d+)$", cell)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    com.Activate()
    win = com.Application.ActiveWindow
    win.FreezePanes = False
    win.ScrollRow = 1
    win.ScrollColumn = 1
    win.SplitColumn = col - 1
    win.SplitRow = int(m.group(2)) - 1
    win.FreezePanes = True


def _com_extras(com, sh: SheetSpec, lang: str) -> None:
    if sh.tab_color:
        rgb = int(sh.tab_color, 16)
        com.Tab.Color = (rgb & 0xFF) << 16 | (rgb & 0xFF00) | (rgb >> 16)  # BGR
    ps = com.PageSetup
    ps.Orientation = 2 if sh.landscape else 1
    if sh.fit_width:
        ps.Zoom = False
        ps.FitToPagesWide = 1
        ps.FitToPagesTall = False
    rows = sh.repeat_rows
    if rows:
        ps.PrintTitleRows = f"${rows[0]}:${rows[1]}"
    ps.CenterFooter = TEXTS.lang(lang).footer
    ps.RightHeader = "&A"


def _chart_ranges(spec: ReportSpec, book, ch: ChartSpec):
    src_sheet, t = spec.find_table(ch.table)
    ws = book.sheets[src_sheet.name]
    first, last = t.first_data_row, max(t.last_row, t.first_data_row)
    cols = [t.column_index(k) for k in ch.series]
    run = [cols[0]]
    for c in cols[1:]:
        if c == run[-1] + 1:
            run.append(c)
        else:
            break
    values = ws.range((t.header_row, run[0]), (last, run[-1]))
    cats = ws.range((first, t.column_index(ch.category)), (last, t.column_index(ch.category)))
    dropped = [k for k, c in zip(ch.series, cols, strict=True) if c not in run]
    return t, values, cats, dropped


_CHART_TYPE = {"pie": "pie", "column": "column_clustered", "bar": "bar_clustered", "funnel": "bar_clustered",
               "line": "line_markers"}


def _draw_chart(spec: ReportSpec, book, ws, ch: ChartSpec, opt, where: str) -> None:
    t, values, cats, dropped = _chart_ranges(spec, book, ch)
    if dropped:
        opt(where, f"chart '{ch.title}': series {dropped} (not next to the first series)",
            lambda: (_ for _ in ()).throw(NotImplementedError("xlwings charts take one contiguous source range")))
    chart = ws.charts.add(chart_type=_CHART_TYPE[ch.kind], source=values, plot_by="columns",
                          anchor=ws.range(ch.anchor), width=ch.width_cm * _CM, height=ch.height_cm * _CM)
    opt(where, f"chart '{ch.title}' categories", lambda: chart.set_x_axis_values(cats))
    opt(where, f"chart '{ch.title}' title", lambda: setattr(chart, "title", ch.title))
    col_of = {c.key: c for c in t.columns}
    if ch.kind == "pie":
        opt(where, f"chart '{ch.title}' legend", lambda: setattr(chart.legend, "position", "right"))
        return
    if ch.kind in ("bar", "funnel"):
        opt(where, f"chart '{ch.title}' category order", lambda: setattr(chart.category_axis, "reverse_order", True))
    primary = [k for k in ch.series if k not in ch.secondary]
    fmt = col_of[primary[0]].number_format if primary else "General"
    opt(where, f"chart '{ch.title}' value axis", lambda: chart.value_axis.set(
        number_format=fmt, **({"title": ch.y_axis_title} if ch.y_axis_title else {})))
    if ch.x_axis_title:
        opt(where, f"chart '{ch.title}' category axis title", lambda: setattr(chart.category_axis, "title", ch.x_axis_title))
    if ch.kind == "funnel" or len(ch.series) == 1:
        opt(where, f"chart '{ch.title}' legend", lambda: setattr(chart.legend, "visible", False))
    else:
        opt(where, f"chart '{ch.title}' legend", lambda: setattr(chart.legend, "position", "bottom"))
    plotted = [k for k in ch.series if k not in dropped]
    for i, k in enumerate(plotted):
        if k in ch.secondary:
            def sec(i=i):
                chart.series[i].set(chart_type="line_markers", axis_group="secondary")
            opt(where, f"chart '{ch.title}' secondary axis for {k}", sec)
            opt(where, f"chart '{ch.title}' secondary axis format",
                lambda k=k: setattr(chart.secondary_value_axis, "number_format", col_of[k].number_format))
    if ch.data_labels or ch.kind == "funnel":
        com = _com(ws)
        if com is not None:
            def labels():
                c = chart.api[1]
                for i in range(1, c.SeriesCollection().Count + 1):
                    c.SeriesCollection(i).HasDataLabels = True
            opt(where, f"chart '{ch.title}' data labels", labels)
        else:
            opt(where, f"chart '{ch.title}' data labels",
                lambda: (_ for _ in ()).throw(NotImplementedError("not in xlwings' API")))


# ---------------------------------------------------------------------------------------
# entry point


def render_book(spec: ReportSpec, book, *, progress: Callable[[str], None] | None = None) -> BookRender:
    """Draw ``spec`` into the open xlwings ``book``.

    Report sheets that exist (names compared ignoring case) are replaced, the others are
    inserted next to their spec neighbours; every other sheet gets no write. Values typed
    in ``editable`` columns of the old report sheets are carried over
    (:func:`crm_xl.render.editable.apply_editable`). All values are computed before the
    first write. Returns a :class:`BookRender`.
    """
    spec.validate()
    step = progress or (lambda _text: None)
    t = TEXTS.lang(spec.lang)
    result = BookRender()
    opt = _Recorder(result)
    existing = {s.name.lower(): s for s in book.sheets}
    # 1. compute
    sheets = []
    for sh in spec.sheets:
        old = existing.get(sh.name.lower())
        if old is not None and any(t.needs_carry_over for t in sh.tables):
            sh = apply_editable(sh, read_old_tables(old, sh))
        sheets.append(sh)
    spec = replace(spec, sheets=tuple(sheets)).validate()
    plans = _plan(spec)
    try:
        active = book.sheets.active.name
    except Exception:  # noqa: BLE001
        active = None
    # 2. write
    with _quiet_app(book):
        for plan in plans:
            sh = plan.spec
            step(t("writing", name=sh.name))
            old = {s.name.lower(): s for s in book.sheets}.get(sh.name.lower())
            if old is not None:
                ws = _replace_sheet(book, old)
                result.replaced.append(sh.name)
            else:
                how, ref = _placement(book, spec, sh.name)
                ws = _add_sheet(book, sh.name, how, ref)
                result.added.append(sh.name)
            _draw_sheet(ws, plan, book, opt, spec.lang)
            result.sheets.append(sh.name)
        for sh in spec.sheets:
            if sh.charts:
                step(t("drawing", name=sh.name))
                ws = book.sheets[sh.name]
                for ch in sh.charts:
                    _draw_chart(spec, book, ws, ch, opt, sh.name)
        if active is not None:
            opt("book", "re-activate the sheet the user was on", lambda: book.sheets[active].activate())
    return result
