"""The one Excel export helper used by every sheet in the app (xlsxwriter, constant_memory).

    Column(header, width=12, kind="text")        kind: text | int | num | pct | delta | points | date |
                                                 datetime (pct 0.125 -> 12.5%; delta 0.125 -> +12.5%;
                                                 points, a change of a rate, 0.133 -> "+13.3个百分点")
    Section(label)                               a full-width bold row inside `rows` (e.g. "二、按信访形式")
    Cell(value, kind)                            one cell whose kind differs from its column's

    write_table(target, *, sheet_title, title, subtitle="", columns, rows, totals=None,
                footer_lines=(), header_groups=None, autofilter=False,
                office=None, period=None, paper="A4", numbered=True) -> int   # data rows written
        target         a file path (a new constant_memory workbook is written and closed) or an open
                       xlsxwriter Workbook from new_workbook() (a sheet is added; the caller closes it)
        title          row 1, merged over all columns (office name + report name)
        subtitle       row 2, merged (period / filter / export time); omitted when empty
        header_groups  optional two-row header: [(label, span), ...] covering all columns; a group
                       with label None keeps its columns' own headers, merged over both header rows
        rows           any iterable of sequences (a generator streams: one row in memory at a time)
        totals         a last row in bold (first cell usually "合计"), or a callable(count) -> row
                       for streamed rows whose totals are known only at the end
        footer_lines   lines under the table, e.g. "填报单位：…　填报人：…　填报日期：…"
        numbered       a first column 序号 numbering the data rows (sections and totals unnumbered),
                       unless the caller's first column is already 序号; `totals` then starts in
                       the 序号 column ("合计"), the data rows do not
        office, period, paper   the print setup (print_setup below), applied to every sheet
        Header rows are frozen; dates are real Excel dates; text is never turned into formulas.

    print_setup(ws, *, office, period, repeat=None, paper="A4")
        what a sheet needs to go on paper, on every sheet written here: landscape A4 (or A3), fit
        to the page width, margins, the header rows `repeat` (first, last) on every page, the office
        name (left) and period (right) in the page header, "第 &P 页 共 &N 页" in the page footer.
        A sheet written by hand (importing.write_template) calls it itself.

    new_workbook(path) -> xlsxwriter.Workbook                     for several sheets in one file
    build_file(build_fn) -> (file, result)                        build_fn(path) writes a temp file
                                                                  (e.g. lambda p: write_table(p, ...));
                                                                  the file, open for reading, is
                                                                  removed when closed
                                                                  (views.base.send_xlsx sends it)
"""
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime

import xlsxwriter

from services.adapters import xlsx_internals
from services.clock import today as office_today

KINDS = ("text", "int", "num", "pct", "delta", "points", "date", "datetime")
MAX_CELL_CHARS = 32767
FONT = "宋体"
PAPER = {"A4": 9, "A3": 8}  # Excel paper size codes
PAGE_FOOTER = "第 &P 页 共 &N 页"
MAX_HEADER_CHARS = 255  # Excel's limit for a page header or footer string (codes included)


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Section:
    label: str


@dataclass(frozen=True)
class Cell:
    value: object
    kind: str = "text"


def new_workbook(path):
    return xlsxwriter.Workbook(path, {
        "constant_memory": True,
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd",
    })


class _Formats:
    """Formats are per workbook; cache them on the workbook object."""

    def __init__(self, wb):
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        cell = dict(base, border=1)

        def f(**kw):
            return wb.add_format(dict(cell, **kw))

        self.title = wb.add_format(dict(base, bold=True, font_size=16, align="center"))
        self.subtitle = wb.add_format(dict(base, align="center"))
        self.header = f(bold=True, align="center", text_wrap=True, bg_color="#DDEBF7")
        self.section = f(bold=True, bg_color="#F2F2F2")
        self.footer = wb.add_format(dict(base, align="left"))
        numfmt = {"text": None, "int": "0", "num": "0.##", "pct": "0.0%", "delta": "+0.0%;-0.0%;0.0%",
                  "points": None, "date": "yyyy-mm-dd",
                  "datetime": "yyyy-mm-dd hh:mm"}
        centered = ("date", "datetime")
        self.kind, self.bold = {}, {}
        for kind, nf in numfmt.items():
            extra = {"num_format": nf} if nf else {}
            if kind in centered:
                extra["align"] = "center"
            if kind == "points":
                extra["align"] = "right"
            self.kind[kind] = f(**extra)
            self.bold[kind] = f(bold=True, **extra)


def _formats(wb):
    fm = getattr(wb, "_xf_formats", None)
    if fm is None:
        fm = wb._xf_formats = _Formats(wb)
    return fm


def _sheet_name(wb, name):
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in (name or "Sheet"))[:31] or "Sheet"
    taken = {ws.get_name() for ws in wb.worksheets()}
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = clean[:31 - len(suffix)] + suffix, n + 1
    return candidate


def points_text(value):
    """A change of a rate as the statistics page shows it: 0.133 -> "+13.3个百分点"."""
    return f"{value * 100:+.1f}个百分点"


def _write_cell(ws, r, c, value, kind, fmt):
    if kind == "points" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = points_text(value)
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif kind in ("date", "datetime") and isinstance(value, (date, datetime)):
        if kind == "date" and isinstance(value, datetime):
            value = value.date()
        ws.write_datetime(r, c, value, fmt)
    elif kind in ("int", "num", "pct", "delta") and isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(r, c, value, fmt)
    else:
        text = value if isinstance(value, str) else str(value)
        ws.write_string(r, c, text[:MAX_CELL_CHARS], fmt)


def _escape(text):
    return str(text or "").replace("&", "&&")


def print_setup(ws, *, office, period, repeat=None, paper="A4"):
    """The page setup of a sheet that goes on paper (see the module docstring)."""
    ws.set_landscape()
    ws.set_paper(PAPER[paper])
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
    ws.center_horizontally()
    if repeat is not None:
        ws.repeat_rows(*repeat)
    left, right = _escape(office), _escape(period)
    room = MAX_HEADER_CHARS - len("&L&R")
    if len(left) + len(right) > room:
        right = right[:max(0, room - len(left))]
        left = left[:room]
    ws.set_header(f"&L{left}&R{right}", {"margin": 0.3})
    ws.set_footer(f"&C{PAGE_FOOTER}", {"margin": 0.3})


def write_table(target, *, sheet_title, title, subtitle="", columns, rows, totals=None,
                footer_lines=(), header_groups=None, autofilter=False, office=None, period=None,
                paper="A4", numbered=True):
    """Write one titled table sheet; returns the number of data rows written (sections excluded).
    `office` defaults to the title (titles begin with the office name), `period` to 截至 today."""
    own = not isinstance(target, xlsxwriter.Workbook)
    wb = new_workbook(target) if own else target
    columns = list(columns)
    if numbered and columns and columns[0].header != "序号":
        columns = [Column("序号", 6, "int")] + columns
        header_groups = [(None, 1)] + list(header_groups) if header_groups else None
        rows = _numbered(rows)
    if period is None:
        period = f"截至{office_today():%Y年%m月%d日}"
    page = {"office": title if office is None else office, "period": period, "paper": paper}
    try:
        return _write(wb, sheet_title, title, subtitle, columns, rows, totals,
                      footer_lines, header_groups, autofilter, page)
    finally:
        if own:
            wb.close()


def _numbered(rows):
    n = 0
    for row in rows:
        if isinstance(row, Section):
            yield row
        else:
            n += 1
            yield [n, *row]


def _write(wb, sheet_title, title, subtitle, columns, rows, totals, footer_lines, header_groups,
           autofilter, page):
    fm = _formats(wb)
    ws = wb.add_worksheet(_sheet_name(wb, sheet_title))
    ncol = len(columns)
    last = ncol - 1
    for c, col in enumerate(columns):
        ws.set_column(c, c, col.width)

    def merged(r, text, fmt):
        if last > 0:
            ws.merge_range(r, 0, r, last, text, fmt)
        else:
            ws.write_string(r, 0, text, fmt)

    r = 0
    ws.set_row(r, 30)
    merged(r, title, fm.title)
    r += 1
    if subtitle:
        merged(r, subtitle, fm.subtitle)
        r += 1

    # Header: one row, or two rows with merged group cells.
    if header_groups:
        if sum(span for _, span in header_groups) != ncol:
            raise ValueError("header_groups must cover every column")
        top, vertical, c = r, [], 0
        for label, span in header_groups:
            if label is None:
                vertical.extend(range(c, c + span))
            elif span > 1:
                ws.merge_range(top, c, top, c + span - 1, label, fm.header)
            else:
                ws.write_string(top, c, label, fm.header)
            c += span
        # constant_memory keeps one row: write row `top` completely, then row top+1, then record
        # the vertical merges (what merge_range would store, without rewriting flushed cells).
        for c in vertical:
            ws.write_string(top, c, columns[c].header, fm.header)
        for c in range(ncol):
            if c in vertical:
                ws.write_blank(top + 1, c, None, fm.header)
            else:
                ws.write_string(top + 1, c, columns[c].header, fm.header)
        for c in vertical:
            xlsx_internals.record_merge(ws, top, c, top + 1, c)
        r = top + 2
    else:
        ws.set_row(r, 24)
        for c, col in enumerate(columns):
            ws.write_string(r, c, col.header, fm.header)
        r += 1
    header_last = r - 1
    ws.freeze_panes(r, 0)

    count = 0
    for row in rows:
        if isinstance(row, Section):
            merged(r, row.label, fm.section)
            r += 1
            continue
        for c, col in enumerate(columns):
            value = row[c] if c < len(row) else None
            kind = col.kind
            if isinstance(value, Cell):
                value, kind = value.value, value.kind
            _write_cell(ws, r, c, value, kind, fm.kind[kind])
        r += 1
        count += 1
    if autofilter and ncol:
        ws.autofilter(header_last, 0, max(r - 1, header_last), last)

    if callable(totals):
        totals = totals(count)
    if totals is not None:
        for c, col in enumerate(columns):
            value = totals[c] if c < len(totals) else None
            kind = col.kind
            if isinstance(value, Cell):
                value, kind = value.value, value.kind
            _write_cell(ws, r, c, value, kind, fm.bold[kind])
        r += 1

    if footer_lines:
        r += 1
        for line in footer_lines:
            merged(r, line, fm.footer)
            r += 1
    print_setup(ws, repeat=(header_last - (1 if header_groups else 0), header_last), **page)
    return count


class TempFile(io.FileIO):
    """A built workbook opened for reading; closing it (the server does, once the download is sent)
    removes it from disk."""

    def close(self):
        try:
            super().close()
        finally:
            remove_file(self.name)


def build_file(build_fn):
    """Run build_fn(path) on a new temp file; returns (TempFile opened for reading, build_fn's
    result). If build_fn fails the file is removed at once."""
    fd, path = tempfile.mkstemp(prefix="xf-export-", suffix=".xlsx")
    os.close(fd)
    try:
        result = build_fn(path)
        return TempFile(path, "rb"), result
    except BaseException:
        remove_file(path)
        raise


def remove_file(path):
    try:
        os.remove(path)
    except OSError:
        pass
