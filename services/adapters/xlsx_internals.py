"""XlsxWriter (3.3.1) internals services/excel.py needs, in one place.

A constant_memory worksheet writes each row to disk as soon as a later row is started, and
ignores writes to rows already written. `Worksheet.merge_range()` writes the range's first cell
and blanks the rest itself, so merging cells of two rows (a two-row header with vertical merges
next to horizontal ones) would need row `top` again after row `top + 1` was started; the public
merge_range() then refuses (it returns -1 and stores nothing). The cells are written in row order
by the caller, and only the merge itself is recorded here, in the list `Worksheet.merge` that
merge_range() appends to and `_write_merged_cells()` turns into <mergeCells> when the file closes.
tests/test_adapters.py checks this assumption and names it if an upgrade breaks it.
"""


def record_merge(ws, first_row, first_col, last_row, last_col):
    """Merge a range whose cells the caller has already written (in row order)."""
    ws.merge.append([first_row, first_col, last_row, last_col])
