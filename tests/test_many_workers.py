"""Many workers on PostgreSQL: the app under gunicorn with 4 worker processes, 20 clerks' browsers
at once registering cases while pairs of them 受理 the same case with the same version.

No duplicate number, no lost event, no 500, and every lost race is answered with the conflict
message. Runs only in the PostgreSQL pass (TEST_DATABASE_URL); loopback only, bounded in count
(REGISTRATIONS, one contended case in CONTEND_EVERY) and in time (every request and the whole
run have timeouts).
"""
import http.client
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from services.validation import id_check_char
from tests.conftest import DEMO_PASSWORD, PG_URL, _clone, _pg_admin_engine

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFLICT = "该信访事项已被他人修改，请刷新后重试"
CLIENTS = 20
# The issue asks for 500; on this 2-core machine (shared, load ~7) 500 registrations and 100 races
# took 67 s, over the minute this test may take in the suite, so 300 by default (~40 s).
# XF_MANY_REGISTRATIONS=500 runs the full count.
REGISTRATIONS = int(os.environ.get("XF_MANY_REGISTRATIONS", "300"))
CONTEND_EVERY = 5  # every 5th new case is accepted by two clerks at once
REQUEST_TIMEOUT = 60
RUN_TIMEOUT = 300  # a bound, not a measurement: the run stops (and fails) if it takes longer
RECEIVED_ON = "2026-11-19"  # inside the seeded holiday years, never in the future
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


class Client:
    """One browser: its own cookies, a new loopback connection per request (gunicorn's sync
    workers close each one), redirects not followed."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.token = None

    def request(self, method, path, data=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            data = dict(data)
            data.setdefault("csrf_token", self.token)
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            html = resp.read().decode("utf-8", "replace")
            for raw in resp.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(raw).items():
                    self.cookies[name] = morsel.value
            return resp.status, resp.getheader("Location") or "", unescape(html)
        finally:
            conn.close()

    def login(self, username):
        status, _, html = self.request("GET", "/login")
        assert status == 200, html[:500]
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        status, location, html = self.request(
            "POST", "/login", {"username": username, "password": DEMO_PASSWORD})
        assert status == 302 and "/login" not in location, html[:500]


def registration(i):
    first17 = f"41142119850315{i:03d}"
    name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)]
    return {
        "channel": "letter", "received_on": RECEIVED_ON, "source": "own", "purpose": "request",
        "category": "劳动社保", "summary": f"信访人反映在某工地务工被拖欠工资（并发登记第{i}件）。",
        "demands": "要求结清工资。", "incident_place": "河口镇沙湾村", "people_count": "1",
        "petitioners-0-name": name, "petitioners-0-sex": "M" if i % 2 else "F", "petitioners-0-ethnicity": "汉族",
        "petitioners-0-id_type": "resident", "petitioners-0-id_number": first17 + id_check_char(first17),
        "petitioners-0-phone": f"1391234{i:04d}", "petitioners-0-address": "示范县河口镇沙湾村3组",
    }


ACCEPT = {"matter": "new", "accepted_on": RECEIVED_ON, "notice_on": RECEIVED_ON, "note": "符合受理条件"}


def messages(html):
    """What a refused form page tells the user (field and page messages)."""
    return re.findall(r'class="(?:field-error|alert)[^"]*"[^>]*>\s*([^<]+?)\s*<', html)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc, port, log_path, deadline):
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            if Client(port).request("GET", "/login")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        pytest.fail("gunicorn did not come up:\n" + f.read()[-3000:])


@pytest.fixture
def served(_templates, tmp_path):
    """The demo office on a database of its own, served by gunicorn -w 4 on a loopback port:
    (port, a SQLAlchemy engine on the same database)."""
    uri, dbname = _clone(_templates, "demo", tmp_path)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=uri, XINFANG_ENV="production", SECRET_KEY="many-workers-secret",
               COOKIE_SECURE="0", RATELIMIT_ENABLED="0", ATTACHMENT_DIR=str(tmp_path / "attachments"))
    env.pop("FLASK_DEBUG", None)
    log_path = tmp_path / "gunicorn.log"
    engine = create_engine(uri, poolclass=NullPool)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "app:create_app()"], cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # Four workers import the app at once: on a busy 2-core machine that took over a minute.
        wait_until_up(proc, port, log_path, time.monotonic() + 240)
        yield port, engine, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)
        engine.dispose()
        with _pg_admin_engine().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))


def test_many_workers_register_and_race(served):
    port, engine, log_path = served
    todo = queue.Queue()
    for i in range(REGISTRATIONS):
        todo.put(i)
    races = queue.Queue()  # (case id, version seen) for a second clerk to accept at once
    lock = threading.Lock()
    registered = {}  # index -> case id
    contended = {}  # case id -> version both clerks saw
    answers = []  # (what, case id or index, status, location, page text)
    deadline = time.monotonic() + RUN_TIMEOUT

    def accept(client, case_id, version):
        status, location, html = client.request(
            "POST", f"/admin/moves/accept/{case_id}/", dict(ACCEPT, version=version))
        with lock:
            answers.append(("accept", case_id, status, location, html))

    def clerk():
        client = Client(port)
        client.login("clerk")
        while time.monotonic() < deadline:
            try:  # a waiting race first, so it runs while others are still registering
                accept(client, *races.get_nowait())
                continue
            except queue.Empty:
                pass
            try:
                i = todo.get_nowait()
            except queue.Empty:
                if races.empty():
                    return
                continue
            status, location, html = client.request("POST", "/admin/register/", registration(i))
            with lock:
                answers.append(("register", i, status, location, html))
            m = re.search(r"/admin/case/details/\?id=(\d+)", location) if status == 302 else None
            if not m:
                continue
            case_id = int(m.group(1))
            with lock:
                registered[i] = case_id
            if i % CONTEND_EVERY == 0:
                status, _, html = client.request("GET", f"/admin/moves/accept/{case_id}/")
                version = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', html)
                assert status == 200 and version, html[:1000]
                version = version.group(1)
                with lock:
                    contended[case_id] = version
                races.put((case_id, version))  # another clerk, most likely, takes it now
                accept(client, case_id, version)

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for f in [pool.submit(clerk) for _ in range(CLIENTS)]:
            f.result(timeout=RUN_TIMEOUT + REQUEST_TIMEOUT)
    elapsed = time.monotonic() - started

    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    errors = [(what, key, status, html[:300]) for what, key, status, _, html in answers
              if status not in (200, 302)]
    assert not errors, (errors[:5], log[-3000:])
    assert "Traceback" not in log, log[-3000:]

    # Every registration went through, each under a number of its own.
    refused = [(i, status, messages(html)) for what, i, status, _, html in answers
               if what == "register" and status != 302]
    assert not refused, refused[:3]
    assert len(registered) == REGISTRATIONS
    ids = sorted(registered.values())
    with engine.connect() as conn:
        numbers = conn.execute(text('SELECT number FROM "case" WHERE id = ANY(:ids)'), {"ids": ids}).scalars().all()
        assert len(numbers) == REGISTRATIONS and len(set(numbers)) == REGISTRATIONS
        assert not conn.execute(text('SELECT number FROM "case" GROUP BY number HAVING count(*) > 1')).all()
        events = dict(conn.execute(text(
            "SELECT case_id, count(*) FROM case_event WHERE action = 'register' AND case_id = ANY(:ids) "
            "GROUP BY case_id"), {"ids": ids}).all())
        assert events == {cid: 1 for cid in ids}
        accepted = dict(conn.execute(text(
            "SELECT case_id, count(*) FROM case_event WHERE action = 'accept' AND case_id = ANY(:ids) "
            "GROUP BY case_id"), {"ids": ids}).all())
        status_of = dict(conn.execute(text('SELECT id, status FROM "case" WHERE id = ANY(:ids)'),
                                      {"ids": ids}).all())

    # Each race: two tries, one winner (redirected to the case, its event stored), one loser told why.
    assert len(contended) == len(range(0, REGISTRATIONS, CONTEND_EVERY))
    tries = {}
    for what, key, status, _, html in answers:
        if what == "accept":
            tries.setdefault(key, []).append((status, CONFLICT in html))
    assert accepted == {cid: 1 for cid in contended}
    for cid in contended:
        assert sorted(tries[cid]) == [(200, True), (302, False)], (cid, tries[cid])
        assert status_of[cid] == "accepted"
    assert all(status_of[cid] == "registered" for cid in ids if cid not in contended)
    print(f"\n{REGISTRATIONS} registrations and {len(contended)} races ({len(contended)} conflicts) "
          f"by {CLIENTS} clients on gunicorn -w 4 in {elapsed:.1f} s")
