"""Every HTML page carries the Content-Security-Policy, and the pages themselves keep to it: no
inline script without the request's nonce (JSON data blocks are not executed), no inline event
handler. tests/browser/test_csp.py checks the same in a real browser."""
import re

import pytest

PAGES = ["/admin/", "/admin/case/", "/admin/case/?flt0_0=1", "/admin/register/",
         "/admin/reception-calendar/", "/admin/package/", "/admin/user/", "/admin/holiday/", "/admin/holiday-year/",
         "/admin/audit/", "/password", "/logout"]


def _nonce(csp):
    return re.search(r"'nonce-([^']+)'", csp).group(1)


def test_policy_directives(make_client):
    csp = make_client().get("/login").headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "object-src 'none'", "base-uri 'self'",
                 "frame-ancestors 'self'", "form-action 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize("username", ["admin", "clerk", "leader", "handler1"])
def test_pages_have_no_inline_script_or_handler(make_client, username):
    c = make_client(username)
    for url in PAGES:
        resp = c.get(url)
        if resp.status_code != 200:
            continue
        body = resp.get_data(as_text=True)
        nonce = _nonce(resp.headers["Content-Security-Policy"])
        for tag in re.findall(r"<script\b[^>]*>", body):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert f'nonce="{nonce}"' in tag, (url, tag)
        handlers = re.findall(r"<[^>]+\son[a-z]+\s*=", body)
        assert handlers == [], (url, handlers[:3])


def test_print_page_has_no_inline_handler(make_client):
    c = make_client("admin")
    resp = c.get("/admin/reception-calendar/")
    url = re.search(r'href="([^"]+)"[^>]*id="print-link"', resp.get_data(as_text=True)).group(1)
    body = c.get(url.replace("&amp;", "&")).get_data(as_text=True)
    assert "data-xf-print" in body and "onclick" not in body and "js/xinfang.js" in body
