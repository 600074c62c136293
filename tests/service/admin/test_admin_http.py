"""The admin pages at the HTTP level, against the running service: the cookies' flags, the
security headers, CSRF on the login form and on every other form, the origin check, failed
logins rate limited per address, sessions ended by logout, by expiry, by idleness and by
removing the account (all server-side: the old cookie is worth nothing), no open redirect,
and the audit export as JSON Lines. The browser-level tests are test_admin_browser.py."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.service.admin.client import PASSWORD, AdminClient, csrf_of
from x509core.ca import admins
from x509core.ca.inventory.records import time_text
from x509core.cert.bundle import load_pem_certificates
from x509core.cert.certificate import load_pem_certificate
from x509core.service.admin.dashboard import EXPIRING_WINDOW, month_bounds
from x509core.service.admin.sessions import LOGIN_COOKIE, SESSION_COOKIE, session_id

pytestmark = pytest.mark.service

_NAMES = iter(f"httpadmin{i}" for i in range(100))


@pytest.fixture
def admin_name(service_ca) -> str:
    name = next(_NAMES)
    admins.add_admin(service_ca.inventory, name, PASSWORD.encode())
    return name


@pytest.fixture
def client(service):
    def make(source: str = "127.0.13.1") -> AdminClient:
        return AdminClient(service.https_port, str(service.ca_dir / "ca.pem"), source)
    return make


def _flags(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_cookies_are_secure_httponly_strict_and_host_bound(client, admin_name):
    browser = client()
    page = browser.get("/admin/login")
    login_cookie, = [c for c in page.cookies() if c.startswith(LOGIN_COOKIE + "=")]
    assert {"secure", "httponly", "samesite", "path"} <= _flags(login_cookie)
    assert "SameSite=Strict" in login_cookie and "Path=/;" in login_cookie + ";"
    assert "domain" not in _flags(login_cookie)
    answer = browser.login(admin_name)
    assert answer.status == 303 and answer.headers["Location"] == "/admin/"
    session, = [c for c in answer.cookies() if c.startswith(SESSION_COOKIE + "=")]
    assert {"secure", "httponly", "samesite", "path"} <= _flags(session)
    assert "SameSite=Strict" in session
    assert not {"domain", "max-age", "expires"} & _flags(session)      # a browser-session cookie
    secret = browser.jar[SESSION_COOKIE]
    assert len(secret) >= 43


def test_every_page_carries_the_security_headers(client, admin_name):
    browser = client()
    browser.login(admin_name)
    for path in ("/admin/", "/admin/certificates", "/admin/tokens", "/admin/audit",
                 "/admin/login"):
        answer = browser.get(path)
        assert answer.status == 200, (path, answer.text[:300])
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src" not in csp                                 # no script allowed
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "<script" not in answer.text.lower()


def test_refusals_and_errors_carry_the_headers_too(client, admin_name):
    """A 405, an unknown page's 404 and a cursor naming a date that does not exist (once a
    500 with a traceback) get one line and the same headers as the pages; no answer names the
    versions of Python and aiohttp."""
    browser = client()
    browser.login(admin_name)
    for method, path, status in (("DELETE", "/admin/tokens", 405), ("GET", "/admin/nope", 404),
                                 ("GET", "/admin/certificates?after=2026-02-30T00:00:00Z~1", 400)):
        answer = browser.request(method, path)
        assert answer.status == status and answer.text.count("\n") == 1, (path, answer.text)
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Server"] == "x509core"
    assert browser.get("/admin/").headers["Server"] == "x509core"
    assert "not a page cursor" in browser.get(
        "/admin/certificates?after=2026-02-30T00:00:00Z~1").text


def test_without_a_session_pages_redirect_and_forms_are_refused(client, service_ca):
    browser = client()
    answer = browser.get("/admin/certificates?status=revoked")
    assert answer.status == 303
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/admin/login"
    assert parse_qs(location.query) == {"next": ["/admin/certificates?status=revoked"]}
    before = len(service_ca.inventory.tokens())
    refused = browser.post("/admin/tokens", {"profile": "server", "dns": "x.example.org",
                                             "ttl": "1h", "uses": "1", "csrf": "x"})
    assert refused.status == 401 and refused.text.startswith("x509core: log in first")
    assert len(service_ca.inventory.tokens()) == before


def test_the_login_form_needs_its_csrf_pair(client, admin_name, service_ca):
    browser = client("127.0.13.2")
    browser.get("/admin/login")
    missing = browser.post("/admin/login", {"name": admin_name, "password": PASSWORD})
    assert missing.status == 403 and "CSRF" in missing.text and missing.text.count("\n") == 1
    wrong = browser.post("/admin/login", {"csrf": "A" * 43, "name": admin_name,
                                          "password": PASSWORD})
    assert wrong.status == 403
    stranger = client("127.0.13.2")                     # a cookie-less forged post
    forged = stranger.post("/admin/login", {"csrf": browser.jar[LOGIN_COOKIE],
                                            "name": admin_name, "password": PASSWORD})
    assert forged.status == 403
    assert SESSION_COOKIE not in browser.jar and SESSION_COOKIE not in stranger.jar
    page = browser.get("/admin/login")
    foreign = browser.post("/admin/login", {"csrf": csrf_of(page.text), "name": admin_name,
                                            "password": PASSWORD},
                           headers={"Origin": "https://evil.example"})
    assert foreign.status == 403 and "Origin" in foreign.text
    assert browser.login(admin_name).status == 303                 # the real form works


def test_every_form_needs_the_session_csrf_token(client, admin_name, service_ca, client_files):
    browser = client()
    browser.login(admin_name)
    _, _, issued = client_files("CSRFTEST00000001")
    serial = issued.record.serial_hex
    tokens_before = len(service_ca.inventory.tokens())
    form = {"profile": "server", "dns": "csrf.example.org", "ttl": "1h", "uses": "1"}
    for csrf in (None, "", "0" * 64):
        sent = dict(form) if csrf is None else {**form, "csrf": csrf}
        assert browser.post("/admin/tokens", sent).status == 403
        revoke = {"reason": "keyCompromise", "confirm": "yes"}
        if csrf is not None:
            revoke["csrf"] = csrf
        answer = browser.post(f"/admin/certificates/{serial}/revoke", revoke)
        assert answer.status == 403 and "CSRF token is missing or wrong" in answer.text
        assert browser.post("/admin/logout", {} if csrf is None else {"csrf": csrf}).status == 403
    assert service_ca.inventory.get(issued.record.serial).status == "valid"
    assert len(service_ca.inventory.tokens()) == tokens_before
    token = csrf_of(browser.get("/admin/tokens").text)
    other = client()                                    # another admin's token is no good
    other.login(admin_name)
    assert other.post("/admin/tokens", {**form, "csrf": token}).status == 403
    assert browser.post("/admin/tokens", {**form, "csrf": token}).status == 200
    assert len(service_ca.inventory.tokens()) == tokens_before + 1
    foreign = browser.post("/admin/tokens", {**form, "csrf": token},
                           headers={"Origin": "https://evil.example"})
    assert foreign.status == 403


def test_failed_logins_are_rate_limited_per_address(client, admin_name, service_ca):
    from x509core.service.admin.login import BURST
    browser = client("127.0.13.3")
    for _ in range(BURST):
        answer = browser.login(admin_name, "not the password at all")
        assert answer.status == 401 and "Wrong name or password." in answer.text
    locked = browser.login(admin_name)                   # even the right password now
    assert locked.status == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many failed logins" in locked.text and SESSION_COOKIE not in browser.jar
    assert client("127.0.13.4").login(admin_name).status == 303     # another address is not
    failures = [e for e in service_ca.inventory.audit_page(actor=admin_name)
                if e.source == "127.0.13.3"]
    assert [(e.action, e.outcome) for e in failures] == \
        [("admin-login", "failure")] * BURST + [("rate-limited", "failure")]


def _logins_at_once(browsers, name: str, passwords: list) -> list:
    """Each browser fetches the login form, then all post their login at the same instant
    (released by one barrier); their answers in order."""
    import threading
    forms = [csrf_of(b.get("/admin/login").text) for b in browsers]
    start, answers = threading.Barrier(len(browsers)), [None] * len(browsers)

    def post(i):
        start.wait()
        answers[i] = browsers[i].post("/admin/login", {"csrf": forms[i], "name": name,
                                                        "password": passwords[i]})
    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_logins_sent_at_once_cannot_pass_the_limit(client, admin_name, service_ca):
    """Twelve logins from one address released together (eleven wrong passwords, then the
    right one): each holds a unit of the bucket while its password is checked, so no more than
    BURST wrong ones are ever checked. (Checked first and counted after, all were tried.)"""
    from x509core.service.admin.login import BURST
    source = "127.0.13.16"
    browsers = [client(source) for _ in range(12)]
    answers = _logins_at_once(browsers, admin_name,
                              [f"wrong password {i}" for i in range(11)] + [PASSWORD])
    statuses = [a.status for a in answers]
    # BURST wrong passwords are checked; the right one too if its turn came before the bucket
    # emptied (a success gives its unit back); every other login waits its turn, then 429.
    assert statuses.count(401) == BURST and statuses.count(303) <= 1, statuses
    assert statuses.count(429) == len(browsers) - BURST - statuses.count(303)
    lockouts = [e for e in service_ca.inventory.audit_page(action="rate-limited")
                if e.source == source]
    assert len(lockouts) == 1


def test_a_flood_of_logins_from_many_addresses_is_not_queued_without_bound(client, admin_name):
    """Password checks run one at a time; beyond MAX_WAITING waiting, a login gets 503 with
    Retry-After at once instead of a place in a queue that would hold a real admin's."""
    from x509core.service.admin.login import MAX_WAITING
    browsers = [client(f"127.0.14.{i + 1}") for i in range(MAX_WAITING + 8)]
    answers = _logins_at_once(browsers, admin_name, [f"wrong {i}" for i in range(len(browsers))])
    statuses = [a.status for a in answers]
    assert set(statuses) == {401, 503} and statuses.count(401) <= MAX_WAITING + 1, statuses
    busy = next(a for a in answers if a.status == 503)
    assert busy.headers["Retry-After"] == "5" and busy.text.count("\n") == 1


def test_an_unknown_name_gets_the_same_answer(client, service_ca):
    answer = client("127.0.13.5").login("nobody-at-all", PASSWORD)
    assert answer.status == 401 and "Wrong name or password." in answer.text
    typed = client("127.0.13.5").login("alice-Secret-Password-1", PASSWORD)   # a slip
    assert typed.status == 401
    rows = [e for e in service_ca.inventory.audit_page(action="admin-login")
            if e.source == "127.0.13.5"]
    assert [e.actor for e in rows] == ["(not an account)"] * 2      # the typed text is not kept
    assert all("Secret" not in f"{e.target} {e.detail}" for e in rows)


def test_logout_ends_the_session_on_the_server(client, admin_name, service_ca):
    browser = client()
    browser.login(admin_name)
    secret = browser.jar[SESSION_COOKIE]
    assert service_ca.inventory.admin_session(session_id(secret)).admin == admin_name
    stored = service_ca.inventory.query("SELECT id FROM admin_sessions")
    assert all(secret not in row[0] for row in stored)              # only its hash is kept
    page = browser.get("/admin/")
    answer = browser.post("/admin/logout", {"csrf": csrf_of(page.text)})
    assert answer.status == 303 and answer.headers["Location"] == "/admin/login?logged_out=1"
    assert SESSION_COOKIE not in browser.jar
    assert service_ca.inventory.admin_session(session_id(secret)) is None
    replay = client()
    replay.jar[SESSION_COOKIE] = secret                  # the old cookie, kept by an attacker
    again = replay.get("/admin/certificates")
    assert again.status == 303 and again.headers["Location"].startswith("/admin/login?expired=1")
    actions = [e.action for e in service_ca.inventory.audit_page(actor=admin_name)]
    assert actions[-2:] == ["admin-login", "admin-logout"]


@pytest.mark.parametrize("column", ["expires_at", "seen_at"])
def test_an_expired_or_idle_session_is_refused(client, admin_name, service_ca, column):
    browser = client()
    browser.login(admin_name)
    key = session_id(browser.jar[SESSION_COOKIE])
    assert browser.get("/admin/").status == 200
    past = time_text(datetime.now(timezone.utc) - timedelta(hours=1))
    service_ca.inventory.run(lambda tx: tx.execute(
        f"UPDATE admin_sessions SET {column} = ? WHERE id = ?", (past, key)))
    answer = browser.get("/admin/")
    assert answer.status == 303 and answer.headers["Location"] == "/admin/login?expired=1"
    assert service_ca.inventory.admin_session(key) is None          # deleted when met
    page = browser.get("/admin/tokens")
    assert page.status == 303
    assert browser.post("/admin/logout", {"csrf": "x"}).status == 401


def test_removing_the_account_ends_its_sessions(client, service_ca):
    admins.add_admin(service_ca.inventory, "leaving", PASSWORD.encode())
    browser = client()
    browser.login("leaving")
    assert browser.get("/admin/").status == 200
    admins.remove_admin(service_ca.inventory, "leaving")
    assert browser.get("/admin/").status == 303
    assert client("127.0.13.6").login("leaving").status == 401


def test_no_open_redirect_after_login(client, admin_name):
    for target, expected in (("https://evil.example/", "/admin/"), ("//evil.example", "/admin/"),
                             ("/admin/audit?action=revoke", "/admin/audit?action=revoke"),
                             ("/admin//evil.example", "/admin/")):
        answer = client().login(admin_name, next_page=target)
        assert answer.status == 303 and answer.headers["Location"] == expected, target


def test_the_audit_export_is_json_lines(client, admin_name):
    browser = client()
    browser.login(admin_name)
    answer = browser.get(f"/admin/audit.jsonl?action=admin-login&actor={admin_name}")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/jsonl")
    assert "attachment" in answer.headers["Content-Disposition"]
    lines = answer.text.splitlines()
    events = [json.loads(line) for line in lines]
    assert events and all(e["action"] == "admin-login" and e["actor"] == admin_name
                          for e in events)
    assert set(events[0]) == {"id", "at", "action", "outcome", "actor_kind", "actor", "source",
                              "target", "detail", "node"}
    assert events[-1]["actor_kind"] == "admin" and events[-1]["source"] == "127.0.13.1"
    shown = browser.get(f"/admin/audit.jsonl?action=admin-login&actor=admin:%20{admin_name}")
    assert shown.text == answer.text                     # as the page shows it: "admin: NAME"
    assert browser.get(f"/admin/audit.jsonl?actor=token:{admin_name}").text == ""
    bad = browser.get("/admin/audit?since=yesterday")
    assert bad.status == 400 and bad.text.startswith("x509core: since/until")
    typo = browser.get("/admin/audit?action=admin-logni")
    assert typo.status == 400 and typo.text == "x509core: not an action of the audit trail\n"


_UNREADABLE_FORMS = [
    ("application/x-www-form-urlencoded", b"\xff"),
    ("application/x-www-form-urlencoded; charset=bogus", b"name=a"),
    ("multipart/form-data", b"garbage"),
    ("multipart/form-data; boundary=XX", b"--XX\r\nContent-Disposition: form-data; "
     b"name=\"name\"\r\n\r\n\xff\xfe\r\n--XX--\r\n"),
]


def test_forms_that_cannot_be_decoded_are_400_not_500(client, admin_name, service):
    """Bytes aiohttp cannot decode as a form (not UTF-8, an unknown charset, a multipart body
    without its boundary) were a 500 and a traceback in the log, on the login form and on
    every form behind it."""
    anonymous, browser = client("127.0.13.3"), client()
    browser.login(admin_name)
    logged_before = len(service.log)
    for media, body in _UNREADABLE_FORMS:
        for who, path in ((anonymous, "/admin/login"), (browser, "/admin/tokens"),
                          (browser, "/admin/certificates/0A/revoke")):
            answer = who.request("POST", path, body=body, headers={"Content-Type": media})
            assert answer.status == 400, (media, path, answer.status, answer.text)
            assert answer.text == ("x509core: the form cannot be read (UTF-8 form fields, as a "
                                   "browser sends them)\n")
    logged = service.log[logged_before:]
    assert "Traceback" not in logged and "internal error" not in logged and "400" in logged


def test_unknown_serials_and_bad_cursors_are_one_line(client, admin_name):
    browser = client()
    browser.login(admin_name)
    missing = browser.get("/admin/certificates/ABCDEF")
    assert missing.status == 404 and missing.text.count("\n") == 1
    assert browser.get("/admin/certificates?after=nonsense").status == 400
    assert browser.get("/admin/certificates?status=bogus").status == 400
    search = browser.get("/admin/certificates?field=serial&q=xyz")
    assert search.status == 400 and "not a serial number" in search.text


def test_a_token_the_constraints_refuse_is_not_made(client, admin_name, service_ca):
    browser = client()
    browser.login(admin_name)
    token = csrf_of(browser.get("/admin/tokens").text)
    before = len(service_ca.inventory.tokens())
    for form, words in (({"profile": "server", "ttl": "1h", "uses": "1"}, "must name the DNS"),
                        ({"profile": "client", "dns": "a.example.org", "ttl": "1h", "uses": "1"},
                         "takes no DNS names"),
                        ({"profile": "client", "ttl": "400d", "uses": "1"}, "at most 365 days"),
                        ({"profile": "client", "uses": "1"}, "the time to live must be a"),
                        ({"profile": "client", "ttl": "1h", "uses": "many"}, "whole number"),
                        ({"profile": "client", "client_id": "<b>x</b>", "ttl": "1h", "uses": "1"},
                         "client id must be 16")):
        answer = browser.post("/admin/tokens", {**form, "csrf": token})
        assert answer.status == 400 and words in html.unescape(answer.text), (form, answer.text)
        assert "<b>x</b>" not in answer.text                  # the form's values escaped
    assert len(service_ca.inventory.tokens()) == before


def test_the_dashboard_shows_the_inventory_figures(client, admin_name, service_ca):
    browser = client()
    browser.login(admin_name)
    page = browser.get("/admin/").text
    counts = service_ca.inventory.counts(expiring_within=EXPIRING_WINDOW)
    for name in ("valid", "expiring", "revoked", "expired"):
        shown = re.search(rf'id="count-{name}">(\d+)<', page).group(1)
        assert int(shown) == getattr(counts, name), name
    bars = [int(n) for n in re.findall(r"<title>\w{3} \d{4}: (\d+)</title>", page)]
    assert bars == service_ca.inventory.expiry_counts(month_bounds(datetime.now(timezone.utc)))
    assert len(bars) == 12 and sum(bars) >= 1
    assert re.search(r'id="crl-signed">\d{4}-\d\d-\d\d \d\d:\d\d UTC<', page)


def test_downloads_are_the_certificate_and_its_chain(client, admin_name, client_files):
    _, _, issued = client_files("DOWNLOAD00000001")
    serial = issued.record.serial_hex
    browser = client()
    browser.login(admin_name)
    der = browser.get(f"/admin/certificates/{serial}/der")
    assert der.status == 200 and der.body == issued.certificate.to_der()
    assert der.headers["Content-Type"] == "application/pkix-cert"
    assert f'filename="{serial}.der"' in der.headers["Content-Disposition"]
    pem = browser.get(f"/admin/certificates/{serial}/pem")
    assert pem.text == issued.certificate.to_pem()
    chain = load_pem_certificates(browser.get(f"/admin/certificates/{serial}/chain").text)
    ca_raw = load_pem_certificate(open(client().ca_file).read()).raw
    assert [c.raw for c in chain] == [issued.certificate.raw, ca_raw]
    assert client().get(f"/admin/certificates/{serial}/der").status == 303    # not logged in


def test_the_list_pages_through_every_match(client, admin_name, service_ca, leaf_key):
    for i in range(55):
        service_ca.issue_client(org="Paging Clinic", client_id=f"PAGING{i:010d}",
                                machine_id=None, public_key=leaf_key.public_key(),
                                days=30 + i)
    browser = client()
    browser.login(admin_name)
    path, seen, pages = "/admin/certificates?q=Paging+Clinic&field=org", [], 0
    while path:
        page = browser.get(path).text
        pages += 1
        seen += re.findall(r"<td>(PAGING\d{10})</td>", page)
        following = re.search(r'id="next-page" href="([^"]+)"', page)
        path = html.unescape(following.group(1)) if following else None
    assert pages == 2 and seen == [f"PAGING{i:010d}" for i in range(55)]     # by notAfter
    latest = browser.get("/admin/certificates?q=Paging+Clinic&field=org&order=latest").text
    assert re.findall(r"<td>(PAGING\d{10})</td>", latest)[:2] == ["PAGING0000000054",
                                                                 "PAGING0000000053"]
