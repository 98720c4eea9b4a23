"""Ledger export benchmark: does memory stay flat while rows grow?

    .venv/bin/python benchmarks/export_ledger.py                   # N = 10,000 and 100,000
    .venv/bin/python benchmarks/export_ledger.py --sizes 2000 20000 --tracemalloc

For each N a temporary SQLite database is filled with N cases (one petitioner each) by Core
executemany inserts; then a fresh process logs in as the clerk and downloads
/admin/case/export.xlsx through the Flask test client - the same route, query, batching and
xlsxwriter code a user hits - reading the streamed body chunk by chunk. Reported per N: rows in the
file, seconds, peak RSS of the export process, RSS growth during the export (peak - before) and,
with --tracemalloc, the Python heap peak during the export. Not part of the test suite.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
PASSWORD = "bench1234"


def _config(db_path, tmp):
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + db_path, "SECRET_KEY": "bench",
            "ATTACHMENT_DIR": os.path.join(tmp, "att")}


def build(db_path, n, tmp):
    """Fill a new database with n cases by Core executemany (chunks of 5,000)."""
    from sqlalchemy import insert

    from app import create_app
    from models import Case, CaseParty, Department, Party, User, db
    from models.enums import CATEGORIES, CHANNELS, PURPOSES, STATUSES

    app = create_app(_config(db_path, tmp))
    rnd = random.Random(7)
    with app.app_context():
        db.create_all()
        office = Department(name="县信访局", kind="office")
        depts = [Department(name=f"县第{i}局", kind="unit", sort_order=i) for i in range(1, 21)]
        db.session.add_all([office, *depts])
        db.session.flush()
        clerk = User(username="clerk", full_name="王登记", role="clerk", department_id=office.id)
        clerk.set_password(PASSWORD)
        db.session.add(clerk)
        db.session.commit()
        dept_ids = [d.id for d in depts]
        channels, purposes, statuses = list(CHANNELS), list(PURPOSES), list(STATUSES)
        start = date(2020, 1, 1)
        chunk = 5000
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            parties, cases, links = [], [], []
            for i in range(lo, hi):
                received = start + timedelta(days=i % 2500)
                parties.append({"id": i + 1, "kind": "person", "name": f"信访人{i}", "id_type": "resident",
                                "id_number": f"4114211980{i:08d}", "phone": f"139{i:08d}",
                                "address": "示范县城关镇幸福路1号"})
                cases.append({
                    "id": i + 1, "number": f"{received.year}-{i + 1:07d}", "query_code": f"{i + 1:08d}",
                    "channel": rnd.choice(channels), "source": "own", "purpose": rnd.choice(purposes),
                    "category": rnd.choice(CATEGORIES), "received_on": received,
                    "summary": "信访人反映其所在小区物业公司长期未履行维修义务，电梯多次故障困人，业主多次反映未果。" * 2,
                    "demands": "要求尽快维修电梯并规范物业服务。", "incident_place": f"城关镇第{i % 50}社区",
                    "people_count": 1 + i % 3, "status": rnd.choice(statuses),
                    "department_id": rnd.choice(dept_ids), "accept_due": received + timedelta(days=15),
                    "accepted_on": received + timedelta(days=3), "handle_due": received + timedelta(days=63),
                })
                links.append({"case_id": i + 1, "party_id": i + 1, "role": "petitioner"})
            db.session.execute(insert(Party.__table__), parties)
            db.session.execute(insert(Case.__table__), cases)
            db.session.execute(insert(CaseParty.__table__), links)
            db.session.commit()
        db.engine.dispose()


def _rss_kb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def export(db_path, tmp, use_tracemalloc):
    """Run in a fresh process: log in, download the ledger, report figures as JSON."""
    import tracemalloc

    from app import create_app

    app = create_app(_config(db_path, tmp))
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "clerk", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    client.get("/admin/case/?page_size=1")  # warm up imports, templates and the first query
    before = _rss_kb("VmRSS")
    if use_tracemalloc:
        tracemalloc.start()
    t0 = time.perf_counter()
    resp = client.get("/admin/case/export.xlsx")
    out = os.path.join(tmp, "ledger.xlsx")
    size = 0
    with open(out, "wb") as fh:
        for chunk in resp.response:
            fh.write(chunk)
            size += len(chunk)
    resp.close()
    seconds = time.perf_counter() - t0
    heap_peak = tracemalloc.get_traced_memory()[1] if use_tracemalloc else None
    if use_tracemalloc:
        tracemalloc.stop()
    peak = _rss_kb("VmHWM")
    with app.app_context():
        from sqlalchemy import select
        from models import AuditLog, db
        rows = db.session.execute(select(AuditLog.row_count).where(AuditLog.action == "export")
                                  .order_by(AuditLog.id.desc())).scalars().first()
    assert resp.status_code == 200, resp.status_code
    return {"rows": rows, "seconds": round(seconds, 2), "file_mb": round(size / 2**20, 1),
            "rss_before_mb": round(before / 1024, 1), "rss_peak_mb": round(peak / 1024, 1),
            "rss_growth_mb": round((peak - before) / 1024, 1),
            "heap_peak_mb": round(heap_peak / 2**20, 1) if heap_peak is not None else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap peak (slower)")
    ap.add_argument("--child", nargs=3, metavar=("DB", "TMP", "TRACE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        db_path, tmp, trace = args.child
        print(json.dumps(export(db_path, tmp, trace == "1")))
        return
    results = {}
    for n in args.sizes:
        tmp = tempfile.mkdtemp(prefix=f"xf-bench-{n}-")
        try:
            db_path = os.path.join(tmp, "bench.db")
            t0 = time.perf_counter()
            build(db_path, n, tmp)
            print(f"N={n:>7}: database built in {time.perf_counter() - t0:.1f}s", flush=True)
            for trace in (False, True) if args.tracemalloc else (False,):
                out = subprocess.run([sys.executable, __file__, "--child", db_path, tmp, "1" if trace else "0"],
                                     capture_output=True, text=True, cwd=ROOT)
                if out.returncode:
                    sys.exit(out.stderr)
                figures = json.loads(out.stdout.strip().splitlines()[-1])
                if trace:  # tracemalloc slows Python down: keep the untraced timing and RSS
                    figures = {"heap_peak_mb": figures["heap_peak_mb"], "seconds_traced": figures["seconds"]}
                results.setdefault(n, {}).update({k: v for k, v in figures.items() if v is not None})
            print(f"N={n:>7}: {json.dumps(results[n], ensure_ascii=False)}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(args.sizes) >= 2:
        a, b = results[args.sizes[0]], results[args.sizes[-1]]
        print(f"rows x{b['rows'] / a['rows']:.1f}, seconds x{b['seconds'] / a['seconds']:.1f}, "
              f"peak RSS x{b['rss_peak_mb'] / a['rss_peak_mb']:.2f}, "
              f"RSS growth during export {a['rss_growth_mb']} MB -> {b['rss_growth_mb']} MB"
              + (f", heap peak x{b['heap_peak_mb'] / a['heap_peak_mb']:.2f}"
                 if a.get("heap_peak_mb") and b.get("heap_peak_mb") else ""))


if __name__ == "__main__":
    main()
