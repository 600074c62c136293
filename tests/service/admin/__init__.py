"""The admin pages under /admin/: HTTP-level checks (sessions, CSRF, cookies, rate limits) and
a real browser (headless Chromium through Selenium)."""
