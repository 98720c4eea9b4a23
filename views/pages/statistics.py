"""The statistics page (templates/reports/statistics.html): how a figure and its change are shown."""


def fmt_value(kind, value):
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    return str(int(value))


def fmt_change(kind, value):
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:+.1f}个百分点"
    return f"{value * 100:+.1f}%"
