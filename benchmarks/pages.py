"""Page benchmark: what do the pages cost as the office grows?

    .venv/bin/python benchmarks/pages.py                          # 10,000 and 100,000 cases
    .venv/bin/python benchmarks/pages.py --sizes 10000 100000 1000000 --dir /var/tmp/xf-bench
    .venv/bin/python benchmarks/pages.py --pg postgresql+psycopg://xf@127.0.0.1:5432/postgres

For each size a SQLite database (DIR/cases-N.db) is built once - the demo office (its 300 cases)
plus N cases from `services/gendata.py` (what `flask gen-data` writes), then ANALYZE - and reused
on the next run. A fresh process per size logs in as clerk, handler1, leader and archivist and,
through the Flask test client, times each page (median of --reps after one warm-up), counting its
SQL statements with a before_cursor_execute listener. List pages are interleaved with a bare
Flask route that runs the case view's own list query (get_list: the count and the page, within the
user's reach) and renders nothing: ours/bare is what the page adds on top of its query.
One table: per size the median ms, the bare route's ms and the statements per page; then the
growth from the smallest to the largest size and ours/bare at the largest; pages a role may not
open (403) are left out. Then the ledger export of all cases at 100,000 (or the size nearest it)
as the clerk, in its own process: time and peak RSS over the process's RSS before it. Last, each
target of issue 17 and whether it holds: growth ≤ ×2 (a report: ≤ the growth of the cases in its
period, "rows ×"; for the dashboard and 待办 that column shows the open cases in reach, for
information only), ours/bare ≤ 1.5, ≤ 10 statements per list and case page. "stock ms" is
Flask-Admin's own ModelView(Case) on the same list page (clerk, no reach), at the largest size.

--pg URL: the same on PostgreSQL, one database per size (xf_bench_N on that server, built once
and reused; VACUUM ANALYZE after the load). Not part of the suite.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import unicodedata
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
USERS = ("clerk", "handler1", "leader", "archivist")


ATT_DIR = os.path.join("/tmp", "xf-bench-att")
LIST_PAGES = ("case list", "search", "sort", "超期", "待办")
LEDGER_ROWS = 100_000


def _uri(target):
    return target if "://" in target else "sqlite:///" + target


def _config(target):
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": _uri(target), "SECRET_KEY": "bench",
            "ATTACHMENT_DIR": ATT_DIR, "RATELIMIT_ENABLED": False}


def build(db_path, n, seed):
    import demo
    from app import create_app
    from models import db
    from services import gendata

    app = create_app(_config(db_path))
    with app.app_context():
        db.create_all()
        demo.build_demo_office(db.session)
        db.session.commit()
        t0 = time.perf_counter()
        gendata.generate(db.session, n, seed=seed, progress=lambda done: db.session.commit())
        db.session.commit()
        gendata.analyze(db.session)
        db.session.commit()
        print(f"N={n}: generated in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()


def _login(client, username):
    from demo.data import DEMO_PASSWORD

    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, (username, resp.status_code)


def _case_view(app):
    return next(v for v in app.extensions["xinfang_admin"]._views if getattr(v, "endpoint", None) == "case")


def measure(db_path, reps):
    """In a fresh process: {"user|page": {"ms", "bare_ms", "queries", "status"}}."""
    from flask import request
    from sqlalchemy import event, select

    from app import create_app
    from models import Case, CaseParty, Party, db
    from views.dashboard import case_list_url

    app = create_app(_config(db_path))
    view = _case_view(app)

    def bare():
        a = request.args
        filters = []
        if a.get("overdue"):
            idx = next(i for i, f in enumerate(view._filters) if type(f).__name__ == "OverdueFilter")
            filters = [(idx, view._filters[idx].name, "1")]
        count, rows = view.get_list(int(a.get("page", 0)), a.get("sort") or None, False,
                                    a.get("search") or None, filters)
        return f"{count} " + " ".join(c.number for c in rows)

    app.add_url_rule("/_bench/bare", "bench_bare", bare)
    _stock_view(app)
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
        with app.test_request_context():
            overdue_url = case_list_url((None, "OverdueFilter", "1"))
        sort_idx = [c for c, _n in view._list_columns].index("handle_due")
    client = None

    def timed(url):
        t0 = time.perf_counter()
        resp = client.get(url)
        resp.get_data()
        return (time.perf_counter() - t0) * 1000, resp.status_code

    results = {}
    for user in USERS:
        client = app.test_client()
        _login(client, user)
        html = client.get("/admin/case/").get_data(as_text=True)
        ids = re.findall(r"details/\?id=(\d+)", html)
        pages = [("case list p1", "/admin/case/", {}), ("case list p50", "/admin/case/?page=49", {"page": 49}),
                 ("case list p1000", "/admin/case/?page=999", {"page": 999})]
        if ids:
            with app.app_context():
                case = db.session.get(Case, int(ids[0]))
                person = db.session.execute(
                    select(Party.name, Party.id_number, Party.phone).join(CaseParty, CaseParty.party_id == Party.id)
                    .where(CaseParty.case_id == case.id, CaseParty.role == "petitioner")
                    .order_by(Party.id_number.is_(None))).first()
                number = case.number
                db.session.remove()
            pages.append(("search number", f"/admin/case/?search={number}", {"search": number}))
            if person:
                pages.append(("search name", f"/admin/case/?search={person.name}", {"search": person.name}))
                if person.id_number:
                    tail = person.id_number[-4:]
                    pages.append(("search ID tail", f"/admin/case/?search={tail}", {"search": tail}))
                if person.phone:
                    tail = person.phone[-4:]
                    pages.append(("search phone tail", f"/admin/case/?search={tail}", {"search": tail}))
        pages += [("sort 办理期限", f"/admin/case/?sort={sort_idx}", {"sort": "handle_due"}),
                  ("超期 filter", overdue_url, {"overdue": 1})]
        if ids:
            pages.append(("case page", f"/admin/case/details/?id={ids[0]}", None))
        year = date.today().year - 1
        pages += [("dashboard", "/admin/", None), ("monthly report", "/admin/statistics/", None),
                  ("yearly report", f"/admin/statistics/?kind=year&year={year}", None),
                  ("待办", "/admin/todo/", None)]
        with app.app_context():
            basis = _basis(user, year)
            db.session.remove()
        for name, url, bare_args in pages:
            statements[0] = 0
            _ms, status = timed(url)  # warm-up, and the statement count
            count = statements[0]
            if status == 403:  # a page this role may not open
                continue
            bare_url = None
            if bare_args is not None:
                bare_url = "/_bench/bare?" + "&".join(f"{k}={v}" for k, v in bare_args.items())
                timed(bare_url)
            ours, theirs = [], []
            for _ in range(reps):
                ours.append(timed(url)[0])
                if bare_url:
                    theirs.append(timed(bare_url)[0])
            stock = []
            if user == "clerk" and name.startswith("case list") or name == "sort 办理期限" and user == "clerk":
                # Flask-Admin's stock ModelView(Case) on the same page: what any Flask-Admin list costs
                stock_url = url.replace("/admin/case/", "/_bench/stock/")
                timed(stock_url)
                stock = [timed(stock_url)[0] for _ in range(reps)]
            results[f"{user}|{name}"] = {
                "ms": round(statistics.median(ours), 1), "status": status, "queries": count,
                "bare_ms": round(statistics.median(theirs), 1) if theirs else None,
                "stock_ms": round(statistics.median(stock), 1) if stock else None,
                "basis": basis.get(name)}
    return results


def _stock_view(app):
    """Flask-Admin's own ModelView(Case), no reach and no columns configured, at /_bench/stock/."""
    from flask_admin.contrib.sqla import ModelView

    from models import Case, db

    class Stock(ModelView):
        page_size = 50
        can_set_page_size = False

    app.extensions["xinfang_admin"].add_view(Stock(Case, db.session, endpoint="bench_stock", url="/_bench/stock"))


def _basis(username, year):
    """The rows a counting page must read by its definition, per page: a report the cases in
    reach received or closed in its period (issue 17: reports grow with the period's cases);
    the dashboard and 待办 the open cases in reach (shown, not allowed for)."""
    from sqlalchemy import and_, func, or_, select

    from models import Case, User, db
    from models.enums import OPEN_CASE_STATUSES
    from services import access, statistics as st

    user = db.session.execute(select(User).where(User.username == username)).scalar_one()
    reach = access.case_filter(db.session, user)

    def count(*where):
        return db.session.execute(select(func.count()).select_from(Case).where(reach, *where)).scalar()

    def period(p):
        return count(or_(and_(Case.received_on >= p.start, Case.received_on <= p.end),
                         and_(Case.closed_on >= p.start, Case.closed_on <= p.end)))

    opened = count(Case.status.in_(OPEN_CASE_STATUSES))
    return {"monthly report": period(st.parse_period({})), "yearly report": period(st.year(year)),
            "dashboard": opened, "待办": opened}


def export(target):
    """In a fresh process: the clerk's ledger export of every case; ms, rows and the peak RSS it
    adds over the process's peak before the request (ru_maxrss, KiB on Linux)."""
    from app import create_app
    from models import Case, db

    app = create_app(_config(target))
    with app.app_context():
        rows = db.session.query(Case.id).count()
        db.session.remove()
    client = app.test_client()
    _login(client, "clerk")
    client.get("/admin/case/")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    resp = client.get("/admin/case/export.xlsx")
    size = len(resp.get_data())
    ms = (time.perf_counter() - t0) * 1000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"status": resp.status_code, "rows": rows, "ms": round(ms), "bytes": size,
            "rss_before_mb": round(before / 1024), "rss_peak_mb": round(peak / 1024)}


def _table(sizes, results):
    head = ["user", "page"]
    for n in sizes:
        head += [f"{n // 1000}k ms", f"{n // 1000}k bare", f"{n // 1000}k q"]
    head += ["growth", "rows ×", "ours/bare", "stock ms"]
    rows = [head]
    for key in results[sizes[0]]:
        user, page = key.split("|")
        row = [user, page]
        for n in sizes:
            r = results[n].get(key)
            if r is None or r["status"] != 200:
                row += [str(r["status"]) if r else "—", "", ""]
                continue
            row += [f"{r['ms']:.0f}", f"{r['bare_ms']:.0f}" if r["bare_ms"] is not None else "—", str(r["queries"])]
        first, last = results[sizes[0]].get(key), results[sizes[-1]].get(key)
        ok = first and last and first["status"] == last["status"] == 200
        row.append(f"×{last['ms'] / first['ms']:.1f}" if ok and len(sizes) > 1 else "")
        grown = _basis_growth(first, last) if ok and len(sizes) > 1 else None
        row.append(f"×{grown:.1f}" if grown else "")
        row.append(f"{last['ms'] / last['bare_ms']:.1f}" if ok and last["bare_ms"] else "")
        row.append(f"{last['stock_ms']:.0f}" if ok and last.get("stock_ms") else "")
        rows.append(row)
    def width(text):  # a Chinese character takes two columns in a terminal
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(head))]
    for i, r in enumerate(rows):
        pads = [" " * (w - width(c)) for c, w in zip(r, widths)]
        print("  ".join(c + p if j < 2 else p + c for j, (c, p) in enumerate(zip(r, pads))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _basis_growth(first, last):
    """How much the rows the page must count grew (reports, dashboard, 待办), or None."""
    a, b = first.get("basis"), last.get("basis")
    return b / a if a and b else None


def _is_list(page):
    return page.startswith(LIST_PAGES)


def _targets(sizes, results):
    """Each target of issue 17 at the largest size: (text, pages measured, misses as (page, figure)),
    the misses worst first."""
    first, last = results[sizes[0]], results[sizes[-1]]
    keys = [k for k in last if last[k]["status"] == 200]
    out = []
    if len(sizes) > 1:
        both = [k for k in keys if k in first and first[k]["status"] == 200]
        growth = [(k, last[k]["ms"] / first[k]["ms"], _allowed(k, first[k], last[k])) for k in both]
        out.append((f"every page grows ≤ ×2 from {sizes[0]:,} to {sizes[-1]:,} cases "
                    "(a report: ≤ its period's cases' growth)", len(both),
                    [(k, f"×{g:.1f}") for k, g, a in sorted(growth, key=lambda x: -x[1]) if g > a]))
    with_bare = [(k, last[k]["ms"] / last[k]["bare_ms"]) for k in keys if last[k]["bare_ms"]]
    out.append((f"ours/bare ≤ 1.5 at {sizes[-1]:,}", len(with_bare),
                [(k, f"{r:.1f}") for k, r in sorted(with_bare, key=lambda x: -x[1]) if r > 1.5]))
    pages = [k for k in keys if _is_list(k.split("|")[1]) or k.endswith("case page")]
    out.append(("≤ 10 statements per list and case page", len(pages),
                [(k, str(last[k]["queries"])) for k in sorted(pages, key=lambda k: -last[k]["queries"])
                 if last[k]["queries"] > 10]))
    return out


def _allowed(key, first, last):
    """Growth allowed: ×2, or for a report the growth of the cases in its period (issue 17)."""
    grown = _basis_growth(first, last) if key.endswith("report") else None
    return max(2.0, grown or 0)


def _print_targets(sizes, results):
    print()
    for text, total, misses in _targets(sizes, results):
        if not misses:
            print(f"- {text}: holds ({total} pages)")
            continue
        worst = ", ".join(f"{k.replace('|', ' ')} {v}" for k, v in misses[:6])
        print(f"- {text}: does not hold for {len(misses)} of {total} pages (worst: {worst})")


def _pg_databases(url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    return admin, names


def _target_for(args, n):
    """The database of size n (built when missing): a SQLite file, or a PostgreSQL database."""
    if args.pg:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        name = f"xf_bench_{n}"
        admin, names = _pg_databases(args.pg)
        url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
        if name not in names:
            part = make_url(args.pg).set(database=name + "_part").render_as_string(hide_password=False)
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_part"'))
                conn.execute(text(f'CREATE DATABASE "{name}_part"'))
            _child(args, "build", part, n)
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}_part" RENAME TO "{name}"'))
        admin.dispose()
        return url
    db_path = os.path.join(args.dir, f"cases-{n}.db")
    if not os.path.exists(db_path):
        _child(args, "build", db_path + ".part", n)
        os.replace(db_path + ".part", db_path)
    return db_path


def _child(args, what, target, value, capture=False):
    out = subprocess.run([sys.executable, __file__, "--seed", str(args.seed), "--child", what, target, str(value)],
                         cwd=ROOT, capture_output=capture, text=True)
    if out.returncode:
        sys.exit(f"{what} {target} failed" + (f":\n{out.stderr}" if capture else ""))
    return json.loads(out.stdout.strip().splitlines()[-1]) if capture else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--dir", default=os.path.join("/tmp", "xf-pages-bench"), help="where the databases live")
    ap.add_argument("--pg", help="a PostgreSQL server's URL: run on PostgreSQL (one database per size)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-export", action="store_true", help="skip the ledger export")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse a size's figures saved in DIR by an earlier run (measured-N.json)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        what, target, value = args.child
        if what == "build":
            build(target, int(value), args.seed)
        elif what == "export":
            print(json.dumps(export(target)))
        else:
            print(json.dumps(measure(target, int(value)), ensure_ascii=False))
        return
    os.makedirs(args.dir, exist_ok=True)
    sizes = sorted(args.sizes)
    results, targets = {}, {}
    for n in sizes:
        targets[n] = _target_for(args, n)
        saved = os.path.join(args.dir, f"measured-{'pg-' if args.pg else ''}{n}.json")
        if args.reuse and os.path.exists(saved):
            with open(saved) as f:
                results[n] = json.load(f)
            continue
        t0 = time.perf_counter()
        results[n] = _child(args, "measure", targets[n], args.reps, capture=True)
        with open(saved, "w") as f:
            json.dump(results[n], f, ensure_ascii=False)
        print(f"N={n}: measured in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    print(f"{'PostgreSQL' if args.pg else 'SQLite'}; median ms of {args.reps} after a warm-up; "
          "bare = the list query alone; q = SQL statements per page")
    _table(sizes, results)
    if not args.no_export:
        n = min(sizes, key=lambda k: abs(k - LEDGER_ROWS))
        e = _child(args, "export", targets[n], 0, capture=True)
        print(f"\nledger export as clerk at {n:,} cases ({e['rows']:,} rows, HTTP {e['status']}, "
              f"{e['bytes'] / 1e6:.1f} MB): {e['ms'] / 1000:.1f} s; peak RSS {e['rss_peak_mb']} MB "
              f"(process before the export {e['rss_before_mb']} MB)")
    _print_targets(sizes, results)


if __name__ == "__main__":
    main()
