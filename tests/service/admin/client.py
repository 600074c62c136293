"""A small HTTPS client for the admin pages' HTTP-level tests: the standard library's
``http.client`` over TLS verified against the service's CA, a cookie jar of its own, a chosen
loopback source address (so that the login rate limiter's per-address buckets of one test do
not touch another's), and the forms' CSRF fields read out of the HTML."""

from __future__ import annotations

import http.client
import re
import ssl
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

__all__ = ["AdminClient", "Answer", "PASSWORD", "csrf_of"]

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, html[:500]
    return match.group(1)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


@dataclass
class AdminClient:
    port: int
    ca_file: str
    source: str = "127.0.0.1"
    jar: dict = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None, body: bytes | None = None) -> Answer:
        context = ssl.create_default_context(cafile=self.ca_file)
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context,
                                                 source_address=(self.source, 0), timeout=60)
        sent = dict(headers or {})
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for header in answer.cookies():
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value or morsel.value == '""':
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        return answer

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs) -> Answer:
        return self.request("POST", path, form=form, **kwargs)

    def login(self, name: str, password: str = PASSWORD, *, next_page: str = "") -> Answer:
        page = self.get("/admin/login")
        return self.post("/admin/login", {"csrf": csrf_of(page.text), "name": name,
                                          "password": password, "next": next_page})
