"""Page benchmark: what do the pages cost as the office grows?

    .venv/bin/python benchmarks/pages.py                          # 10,000 and 100,000 cases
    .venv/bin/python benchmarks/pages.py --sizes 10000 100000 1000000 --dir /var/tmp/xf-bench

For each size a SQLite database (DIR/cases-N.db) is built once - the demo office (its 300 cases)
plus N cases from `services/gendata.py` (what `flask gen-data` writes), then ANALYZE - and reused
on the next run. A fresh process per size logs in as clerk, handler1, leader and archivist and,
through the Flask test client, times each page (median of --reps after one warm-up), counting its
SQL statements with a before_cursor_execute listener. List pages are interleaved with a bare
Flask route that runs the case view's own list query (get_list: the count and the page, within the
user's reach) and renders nothing: ours/bare is what the page adds on top of its query.
One table: per size the median ms, the bare route's ms and the statements per page; then the
growth from the smallest to the largest size and ours/bare at the largest. Not part of the suite.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
USERS = ("clerk", "handler1", "leader", "archivist")


def _config(db_path):
    tmp = os.path.dirname(db_path)
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + db_path, "SECRET_KEY": "bench",
            "ATTACHMENT_DIR": os.path.join(tmp, "att"), "RATELIMIT_ENABLED": False}


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
        pages = [("case list p1", "/admin/case/", {}), ("case list p50", "/admin/case/?page=49", {"page": 49})]
        if ids:
            with app.app_context():
                case = db.session.get(Case, int(ids[0]))
                person = db.session.execute(
                    select(Party.name, Party.id_number).join(CaseParty, CaseParty.party_id == Party.id)
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
        pages += [("sort 办理期限", f"/admin/case/?sort={sort_idx}", {"sort": "handle_due"}),
                  ("超期 filter", overdue_url, {"overdue": 1})]
        if ids:
            pages.append(("case page", f"/admin/case/details/?id={ids[0]}", None))
        pages += [("dashboard", "/admin/", None), ("monthly report", "/admin/statistics/", None),
                  ("待办", "/admin/todo/", None)]
        for name, url, bare_args in pages:
            bare_url = None
            if bare_args is not None:
                bare_url = "/_bench/bare?" + "&".join(f"{k}={v}" for k, v in bare_args.items())
                timed(bare_url)
            statements[0] = 0
            _ms, status = timed(url)  # warm-up, and the statement count
            count = statements[0]
            ours, theirs = [], []
            for _ in range(reps):
                ours.append(timed(url)[0])
                if bare_url:
                    theirs.append(timed(bare_url)[0])
            results[f"{user}|{name}"] = {
                "ms": round(statistics.median(ours), 1), "status": status, "queries": count,
                "bare_ms": round(statistics.median(theirs), 1) if theirs else None}
    return results


def _table(sizes, results):
    head = ["user", "page"]
    for n in sizes:
        head += [f"{n // 1000}k ms", f"{n // 1000}k bare", f"{n // 1000}k q"]
    head += ["growth", "ours/bare"]
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
        row.append(f"{last['ms'] / last['bare_ms']:.1f}" if ok and last["bare_ms"] else "")
        rows.append(row)
    def width(text):  # a Chinese character takes two columns in a terminal
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(head))]
    for i, r in enumerate(rows):
        pads = [" " * (w - width(c)) for c, w in zip(r, widths)]
        print("  ".join(c + p if j < 2 else p + c for j, (c, p) in enumerate(zip(r, pads))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--dir", default=os.path.join("/tmp", "xf-pages-bench"), help="where the databases live")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        what, db_path, value = args.child
        if what == "build":
            build(db_path, int(value), args.seed)
        else:
            print(json.dumps(measure(db_path, int(value)), ensure_ascii=False))
        return
    os.makedirs(args.dir, exist_ok=True)
    sizes = sorted(args.sizes)
    results = {}
    for n in sizes:
        db_path = os.path.join(args.dir, f"cases-{n}.db")
        if not os.path.exists(db_path):
            out = subprocess.run([sys.executable, __file__, "--seed", str(args.seed), "--child", "build",
                                  db_path + ".part", str(n)], cwd=ROOT)
            if out.returncode:
                sys.exit(f"building {db_path} failed")
            os.replace(db_path + ".part", db_path)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--child", "measure", db_path, str(args.reps)],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            sys.exit(out.stderr)
        results[n] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"N={n}: measured in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    _table(sizes, results)


if __name__ == "__main__":
    main()
