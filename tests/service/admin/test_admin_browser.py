"""The admin pages in a real browser: Debian's headless Chromium driven by Selenium through
chromedriver, against the running service on loopback (``tests/service/conftest.py``).

An admin logs in, finds a certificate by its machine id, revokes it (and ``openssl ocsp``
then reports it revoked), creates an enrollment token and enrolls with it over EST by running
the very commands the page shows (OpenSSL and curl), and logs out. A wrong password, a form
without its CSRF token and an expired session are refused. A certificate whose subject is
``CN=<script>alert(1)</script>`` is shown as text on every page that names it, and no alert
fires. Screenshots of the dashboard and the list at 1280x800 (and the dashboard at a phone's
390x844) are written under the test run's temporary directory, their paths printed.
"""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import require_program
from tests.service.admin.client import PASSWORD
from x509core.ca import admins
from x509core.ca.inventory.records import time_text

pytestmark = [pytest.mark.service, pytest.mark.browser]

XSS_CN = "<script>alert(1)</script>"
XSS_ORG = "<img src=x onerror=alert(2)>"
MACHINE = "5d41402abc4b2a76b9719d911017c592"


@pytest.fixture(scope="module")
def driver():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service as DriverService
    except ImportError:
        pytest.fail("selenium is required by the browser tests (pip install '.[test]')")
    chromium = require_program("chromium", "chromium")
    chromedriver = require_program("chromedriver", "chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,800", "--disable-gpu", "--no-first-run"):
        options.add_argument(argument)
    # The service's HTTPS certificate is from the test CA, which this browser does not know.
    options.set_capability("acceptInsecureCerts", True)
    browser = webdriver.Chrome(service=DriverService(executable_path=chromedriver),
                               options=options)
    browser.set_page_load_timeout(60)
    _viewport(browser, 1280, 800)
    yield browser
    browser.quit()


def _viewport(browser, width: int, height: int, *, mobile: bool = False) -> None:
    """The page's viewport exactly ``width`` x ``height`` CSS pixels (the window's size would
    include the browser's own bars), as a phone when ``mobile``."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    return tmp_path_factory.mktemp("admin-screenshots")


@pytest.fixture
def shoot(driver, screenshots, capsys):
    """shoot(name, what): a screenshot of the current page, its path printed on the terminal
    even when pytest captures output (so a reviewer finds it after a quiet run)."""
    def take(name: str, what: str):
        path = screenshots / name
        assert driver.save_screenshot(str(path)) and path.stat().st_size > 10_000
        with capsys.disabled():
            print(f"\nscreenshot of {what}: {path}")
        return path
    return take


@pytest.fixture
def admin(service_ca, request):
    name = "browser-" + hashlib.sha256(request.node.name.encode()).hexdigest()[:12]   # one a test
    if service_ca.inventory.admin(name) is None:
        admins.add_admin(service_ca.inventory, name, PASSWORD.encode())
    return name


def _by(kind: str):
    from selenium.webdriver.common.by import By
    return getattr(By, kind)


def _find(driver, selector: str):
    return driver.find_element(_by("CSS_SELECTOR"), selector)


def _no_alert(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    pytest.fail(f"an alert fired: {text!r}")


def _navigate(driver, element, *keys) -> None:
    """Click ``element`` (or type ``keys`` into it) and wait until the next page has replaced
    this one and finished loading (a form's submission returns before the new page is there):
    a mark left on this page's window is gone on the next one."""
    from selenium.webdriver.support.ui import WebDriverWait
    driver.execute_script("window.x509coreOldPage = true")
    if keys:
        element.send_keys(*keys)
    else:
        element.click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return window.x509coreOldPage === undefined && document.readyState === 'complete'"))


def _login(driver, service, name: str, password: str = PASSWORD) -> None:
    driver.delete_all_cookies()
    driver.get(service.url("/admin/login"))
    _find(driver, "#name").send_keys(name)
    _find(driver, "#password").send_keys(password)
    _navigate(driver, _find(driver, "form[action='/admin/login'] button[type=submit]"))


def _logged_in_as(driver, name: str) -> None:
    assert _find(driver, "#admin-name").text == name
    assert driver.current_url.endswith("/admin/")


def _ocsp(openssl, service, leaf) -> str:
    ca = service.ca_dir / "ca.pem"
    result = subprocess.run([openssl, "ocsp", "-issuer", ca, "-cert", leaf, "-CAfile", ca,
                             "-url", service.http_url("/ocsp")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_login_find_revoke_token_enroll_logout(driver, service, service_ca, admin,
                                               client_files, openssl, curl, tmp_path, shoot):
    leaf, _, issued = client_files("BROWSERTEST00001", machine_id=MACHINE)
    assert f"{leaf}: good" in _ocsp(openssl, service, leaf)
    _login(driver, service, admin)
    _logged_in_as(driver, admin)
    assert "Dashboard" in driver.title and _find(driver, "svg[role=img]") is not None
    assert int(_find(driver, "#count-valid").text) >= 1
    shoot("dashboard-1280x800.png", "the dashboard at 1280x800")

    # Find the certificate by its machine id, with the keyboard only.
    from selenium.webdriver.common.keys import Keys
    _navigate(driver, driver.find_element(_by("LINK_TEXT"), "Certificates"))
    search = _find(driver, "#q")
    _navigate(driver, search, MACHINE[:12], Keys.ENTER)
    rows = driver.find_elements(_by("CSS_SELECTOR"), "#certificates tbody tr")
    assert len(rows) == 1 and "BROWSERTEST00001" in rows[0].text and MACHINE in rows[0].text
    shoot("certificates-1280x800.png", "the certificate list at 1280x800")
    _navigate(driver, rows[0].find_element(_by("TAG_NAME"), "a"))
    assert issued.record.serial_hex in _find(driver, "h1").text
    assert _find(driver, "#binding").text.startswith(f"machine {MACHINE}")   # no label again
    assert "Subject: O = Example Clinic, CN = BROWSERTEST00001" in _find(driver, "#show-text").text

    # Revoke: a confirmation step, then the POST.
    _navigate(driver, _find(driver, "#revoke-link"))
    assert "Revoke certificate" in _find(driver, "h1").text
    assert service_ca.inventory.get(issued.record.serial).status == "valid"   # not yet
    from selenium.webdriver.support.ui import Select
    Select(_find(driver, "#reason")).select_by_value("keyCompromise")
    _find(driver, "#confirm").click()
    _navigate(driver, _find(driver, "#revoke-button"))
    assert "The certificate is revoked." in _find(driver, "#revoked-notice").text
    assert _find(driver, "#state").text == "revoked"
    record = service_ca.inventory.get(issued.record.serial)
    assert (record.status, record.revocation_reason) == ("revoked", "keyCompromise")
    out = _ocsp(openssl, service, leaf)
    assert f"{leaf}: revoked" in out and "Reason: keyCompromise" in out, out
    event, = service_ca.inventory.audit_page(action="revoke", target=issued.record.serial_hex)
    assert (event.actor_kind, event.actor, event.source) == ("admin", admin, "127.0.0.1")

    # A token for a new workstation, then enroll with the commands the page shows.
    _navigate(driver, driver.find_element(_by("LINK_TEXT"), "Tokens"))
    _find(driver, "#org").send_keys("Example Clinic")
    _find(driver, "#client_id").send_keys("BROWSERENROLL001")
    _find(driver, "#machine_id").send_keys(MACHINE)
    ttl = _find(driver, "#ttl")
    ttl.clear()
    ttl.send_keys("2h")
    _navigate(driver, _find(driver, "#create-token"))
    presented = _find(driver, "#new-token").get_attribute("value")
    token_id = presented.split(".")[0]
    assert service_ca.inventory.token(token_id).created_by == admin
    commands = _find(driver, "#est-commands").text
    assert presented in commands and "simpleenroll" in commands
    assert presented in _find(driver, "#seed-command").text
    (tmp_path / "ca.pem").write_bytes((service.ca_dir / "ca.pem").read_bytes())
    ran = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=tmp_path,
                         capture_output=True, text=True, timeout=180)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    text = subprocess.run([openssl, "x509", "-in", tmp_path / "device.pem", "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    assert "CN = BROWSERENROLL001" in text and MACHINE in text
    assert service_ca.inventory.token(token_id).uses_spent == 1
    driver.get(service.url("/admin/tokens"))
    assert presented not in driver.page_source                         # shown once only
    row = [r for r in driver.find_elements(_by("CSS_SELECTOR"), "#tokens tbody tr")
           if token_id in r.text]
    assert len(row) == 1 and "spent" in row[0].text

    # The audit page shows the admin's actions; then log out.
    driver.get(service.url(f"/admin/audit?actor={admin}"))
    audit = _find(driver, "#audit").text
    assert "revoke" in audit and "token-create" in audit and "admin-login" in audit
    _navigate(driver, _find(driver, "form.logout button"))
    assert "You are logged out." in driver.page_source
    driver.get(service.url("/admin/certificates"))
    assert "/admin/login" in driver.current_url and _find(driver, "h1").text == "Log in"
    _no_alert(driver)


def test_a_wrong_password_is_refused(driver, service, admin):
    _login(driver, service, admin, "this is not the password")
    assert _find(driver, "#login-error").text == "Wrong name or password."
    assert _find(driver, "h1").text == "Log in"
    assert not [c for c in driver.get_cookies() if c["name"] == "__Host-x509core-admin"]


def test_a_form_without_its_csrf_token_is_refused(driver, service, service_ca, admin,
                                                  client_files):
    _, _, issued = client_files("BROWSERCSRF00001", machine_id="c5ea1d2b" * 4)
    _login(driver, service, admin)
    driver.get(service.url(f"/admin/certificates/{issued.record.serial_hex}/revoke"))
    driver.execute_script("document.querySelector(\"form[action$='/revoke'] input[name=csrf]\")"
                          ".remove()")
    assert len(driver.find_elements(_by("CSS_SELECTOR"), "form[action$='/revoke'] input")) == 1
    from selenium.webdriver.support.ui import Select
    Select(_find(driver, "#reason")).select_by_value("superseded")
    _find(driver, "#confirm").click()
    _navigate(driver, _find(driver, "#revoke-button"))
    body = _find(driver, "body").text
    assert "CSRF token is missing or wrong" in body and "Traceback" not in body
    assert service_ca.inventory.get(issued.record.serial).status == "valid"


def test_an_expired_session_is_refused(driver, service, service_ca, admin):
    _login(driver, service, admin)
    _logged_in_as(driver, admin)
    cookie, = [c for c in driver.get_cookies() if c["name"] == "__Host-x509core-admin"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert driver.execute_script("return document.cookie") == ""       # HttpOnly: not readable
    past = time_text(datetime.now(timezone.utc) - timedelta(minutes=1))
    service_ca.inventory.run(lambda tx: tx.execute(
        "UPDATE admin_sessions SET expires_at = ? WHERE admin = ?", (past, admin)))
    driver.get(service.url("/admin/tokens"))
    assert "/admin/login" in driver.current_url
    assert "Your session has ended." in _find(driver, "main").text


def test_a_script_in_a_subject_is_shown_as_text_everywhere(driver, service, service_ca, admin,
                                                           leaf_key):
    issued = service_ca.issue_server(dns=["xss.example.org"], common_name=XSS_CN, org=XSS_ORG,
                                     public_key=leaf_key.public_key())
    serial = issued.record.serial_hex
    _login(driver, service, admin)
    event, = service_ca.inventory.audit_page(action="issue", target=serial)
    pages = [("/admin/certificates?q=%3Cscript&field=cn", "#certificates", (XSS_CN, XSS_ORG)),
             (f"/admin/certificates/{serial}", "main", (XSS_CN, XSS_ORG, issued.record.subject)),
             (f"/admin/certificates/{serial}/revoke", "main", (XSS_CN, XSS_ORG)),
             (f"/admin/audit?target={serial}", "#audit", (event.detail,))]
    assert "<script>" not in event.detail                   # RFC 4514 escapes it: \<script\>
    for path, selector, texts in pages:
        driver.get(service.url(path))
        _no_alert(driver)
        shown = _find(driver, selector).text
        assert all(text in shown for text in texts), (path, shown)
        source = driver.page_source
        assert XSS_CN not in source and "<img src=x" not in source.lower(), path
        assert html.escape(texts[0], quote=False) in source, path
        assert not driver.find_elements(_by("CSS_SELECTOR"), "main script, main img"), path
    driver.get(service.url(f"/admin/certificates/{serial}"))
    assert f'CN = "{XSS_CN}"' in _find(driver, "#show-text").text      # `show`'s text too
    _no_alert(driver)


def test_the_pages_fit_a_phone(driver, service, admin, shoot):
    _login(driver, service, admin)
    _viewport(driver, 390, 844, mobile=True)
    try:
        for path in ("/admin/", "/admin/certificates", "/admin/tokens"):
            driver.get(service.url(path))
            width = driver.execute_script("return document.documentElement.scrollWidth")
            inner = driver.execute_script("return window.innerWidth")
            wide = driver.execute_script(         # what sticks out, to say so if it fails
                "return [...document.querySelectorAll('body *')].filter(e => "
                "!e.closest('.table-wrap') && e.getBoundingClientRect().right > "
                "window.innerWidth + 1).map(e => e.tagName + '#' + e.id).slice(0, 5)")
            assert width <= inner + 1, (path, width, inner, wide)     # no sideways scrolling
        driver.get(service.url("/admin/"))
        shoot("dashboard-phone-390x844.png", "the dashboard on a phone (390x844)")
    finally:
        _viewport(driver, 1280, 800)
    assert re.search(r"width=device-width", driver.page_source)
