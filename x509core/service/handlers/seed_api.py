"""The seed system's HTTP API, unchanged for its clients (``../shared/seed.md``; issue 12):
``GET /ca`` and ``/client/registe`` (GET with a query, POST with a form or JSON).

What is kept, from the seed system's own handler (its ``register_controller.rs``): the
parameters (``client_id``, ``client_name``, ``client_machine_id``, ``client_mac_address``,
``end_date``); the checks, in its order, with its messages word for word as the whole
``text/plain`` body of a 400 (:data:`CHECKS`); how a request is read (a query; a POST body
chosen by ``Content-Type`` prefix, ``application/x-www-form-urlencoded`` or
``application/json``, unknown fields ignored) and its answers when that fails (``Query
deserialize error: missing field `client_id```, ``Missing form parameters``, ``Missing JSON
parameters``, ``Unsupported Content-Type. ...``); the answer, JSON ``{"ca_cert": PEM,
"client_cert": PEM}`` (keys in that order, as serde_json writes them); and the certificate's
subject O=client_name, CN=client_id with the machine id and the MAC address written as that
system writes them: the request's text, unchanged, as the raw octets of the extensions'
values (``1.3.6.1.4.15967132172.1`` and ``.2``).

The two documented differences:

- a request needs ``Authorization: Bearer <token>``, an enrollment token for a client
  certificate whose constraints the request meets (401 without a usable token, 403 when the
  request asks for more than it allows; both one line, in the seed system's bare form);
- the client's key is never stored. With the optional ``csr`` field (a PKCS #10 request, PEM
  or base64 DER) the key stays on the client and the certificate is for the CSR's key (its
  signature is checked; the parameters, not the CSR's subject, say what is certified).
  Without it the service makes an RSA-2048 key (the seed system's size), returns it once as
  ``client_key`` (unencrypted PKCS #8 PEM, as that system writes its key files, with
  ``Cache-Control: no-store``), and forgets it: it is written nowhere and logged nowhere.

And three smaller ones: ``end_date`` is honoured (the certificate is valid through that day,
UTC; the seed system checks it and then issues for one year whatever it says), so a date in the
past or after the CA certificate expires is refused with 400; the subject has no ``C=CN`` (the
seed system writes that country whatever the site's); and ``client_name`` takes the space as
its only white space (below). Refusals of x509core's own checks (the token, the CSR, the
dates) have the same bare one-line form as the seed system's.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from aiohttp import web

from x509core import pem
from x509core.ca.inventory import InventoryUnavailable, TokenRefused
from x509core.ca.inventory.records import Actor
from x509core.ca.tokens import NotAllowed
from x509core.cert.csr import CertificateSigningRequest, load_der_csr
from x509core.errors import X509CoreError
from x509core.service import authority
from x509core.service.handlers.common import Refused, audit_as, read_body
from x509core.service.handlers.credentials import (INSUFFICIENT_SCOPE, INVALID_TOKEN, authenticate,
                                                   bearer_token)
from x509core.service.logs import logger
from x509core.service.state import SERVICE, Service

__all__ = ["routes", "ca_certificate", "client_registe", "FIELDS", "CHECKS", "check_fields",
           "read_query", "UNSUPPORTED_TYPE"]

FIELDS = ("client_id", "client_name", "client_machine_id", "client_mac_address", "end_date")
KEY_BITS = 2048
UNSUPPORTED_TYPE = ("Unsupported Content-Type. Supported types: "
                    "application/x-www-form-urlencoded, application/json")
_FORM, _JSON = "application/x-www-form-urlencoded", "application/json"

# The seed system's checks, in its order, with its messages. Rust's regex crate: \d is any
# Unicode digit and ^...$ spans the whole text (fullmatch here).
CHECKS = (
    ("client_id", re.compile(r"[a-zA-Z0-9]{16}"),
     "client_id must be 16 characters long and contain only letters and numbers"),
    # Deviation: the seed system's class is [a-zA-Z0-9,.\s], any Unicode white space; a tab,
    # a line break or U+2028 in a certificate's O would forge lines wherever it is shown, so
    # only the space is taken (its own message says "spaces").
    ("client_name", re.compile(r"[a-zA-Z0-9,. ]{10,64}"),
     "client_name must be between 10 and 64 characters long and contain only letters, "
     "numbers, commas, periods, and spaces"),
    ("client_machine_id", re.compile(r"[a-zA-Z0-9]{16,128}"),
     "client_machine_id must be between 16 and 128 characters long and contain only letters "
     "and numbers"),
    ("client_mac_address", re.compile(r"([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})"),
     "client_mac_address must be in MAC address format (e.g., 00:1A:2B:3C:4D:5E or "
     "00-1A-2B-3C-4D-5E)"),
    ("end_date", re.compile(r"\d{8}"), "end_date must be in YYYYMMDD format"),
)
_BAD_DATE = "end_date must be a valid date in YYYYMMDD format"


def routes() -> list[web.RouteDef]:
    return [web.get("/ca", ca_certificate),
            # allow_head=False: a HEAD must not register anything
            web.get("/client/registe", client_registe, allow_head=False),
            web.post("/client/registe", client_registe)]


async def ca_certificate(request: web.Request) -> web.Response:
    """The CA certificate as the seed system's license server returns it: a JSON object with
    ``ca_cert`` (PEM) and ``status`` ``"success"``, in that order. Anyone may call it (the CA
    certificate is public; the seed system asks for nothing either)."""
    service: Service = request.app[SERVICE]
    body = {"ca_cert": service.ca.certificate.to_pem(), "status": "success"}
    return _json(body)


def _json(body: dict, headers: dict | None = None) -> web.Response:
    return web.Response(text=json.dumps(body, separators=(",", ":"), sort_keys=True),
                        content_type="application/json", headers=headers)


def _refused(status: int, reason: str, headers: dict | None = None) -> Refused:
    return Refused(status, reason, headers, bare=True)


# -- reading the parameters, as the seed system reads them ----------------------------------------

def read_query(query: str) -> dict:
    """The parameters of ``GET /client/registe?...`` (serde_urlencoded's reading: ``+`` is a
    space, a byte that is not UTF-8 becomes U+FFFD, the first missing or repeated field in
    declaration order is the error)."""
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    fields = _fields(pairs)
    if isinstance(fields, str):
        raise _refused(400, f"Query deserialize error: {fields}")
    return fields


def _fields(pairs) -> dict | str:
    """The fields of ``pairs`` (FIELDS and the optional ``csr``), or serde's error text."""
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in (*FIELDS, "csr"):
            if name in found:
                return f"duplicate field `{name}`"
            found[name] = value
    for name in FIELDS:
        if name not in found:
            return f"missing field `{name}`"
    return found


async def _read_post(request: web.Request) -> dict:
    """A POST body by its Content-Type, as the seed system picks it (by prefix)."""
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith(_FORM):
        body = await read_body(request, (_FORM,))
        try:
            fields = _fields(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            fields = "not UTF-8"
        if isinstance(fields, str):
            raise _refused(400, "Missing form parameters")
        return fields
    if content_type.startswith(_JSON):
        body = await read_body(request, (_JSON,))
        try:
            value = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):   # nesting past Python's stack
            value = None
        if not isinstance(value, dict) or any(not isinstance(value.get(name), str)
                                              for name in FIELDS) \
                or not isinstance(value.get("csr", ""), str):
            raise _refused(400, "Missing JSON parameters")
        return {name: value[name] for name in (*FIELDS, "csr") if name in value}
    raise _refused(400, UNSUPPORTED_TYPE)


def check_fields(fields: dict) -> datetime:
    """The seed system's validation (:data:`CHECKS`, then a real calendar date); the end of the
    day ``end_date`` (23:59:59 UTC), or Refused with that system's message."""
    for name, pattern, message in CHECKS:
        if not pattern.fullmatch(fields[name]):
            raise _refused(400, message)
    text = fields["end_date"]
    if not text.isascii():                          # Unicode digits: no date chrono reads
        raise _refused(400, _BAD_DATE)
    try:
        day = datetime(int(text[:4]), int(text[4:6]), int(text[6:]), 23, 59, 59,
                       tzinfo=timezone.utc)
    except ValueError:
        raise _refused(400, _BAD_DATE) from None
    return day


def _load_csr(text: str) -> CertificateSigningRequest:
    """The optional ``csr`` field: PEM, or base64 of DER."""
    try:
        if "-----BEGIN" in text:
            der = pem.decode_one(text, "CERTIFICATE REQUEST")[1]
        else:
            der = base64.b64decode("".join(text.split()), validate=True)
        return load_der_csr(der)
    except (X509CoreError, binascii.Error, ValueError) as exc:
        raise _refused(400, f"csr is not a PKCS #10 request: {exc}") from None


# -- the registration ------------------------------------------------------------------------------

async def client_registe(request: web.Request) -> web.Response:
    """A client certificate for the seed system's parameters (module docstring). Who may call
    it: the holder of an enrollment token for a client certificate, as ``Authorization:
    Bearer`` (the seed system asks for nothing: the first documented difference); failed
    guesses are rate limited per address. The parameters are checked (the seed system's
    checks and messages, the token's constraints, the CSR) before one use of the token is
    spent with the certificate's reservation."""
    service: Service = request.app[SERVICE]
    audit_as(request, "register", Actor("token", "-", request.remote))
    token, secret_hash = await authenticate(request, bearer_token(request, bare=True),
                                            challenge=INVALID_TOKEN, bare=True)
    fields = read_query(request.rel_url.raw_query_string) if request.method == "GET" \
        else await _read_post(request)
    not_after = check_fields(fields)
    csr = _load_csr(fields["csr"]) if fields.get("csr") else None
    actor = Actor("token", token.id, request.remote)
    try:
        arguments = authority.token_client_arguments(
            token, org=fields["client_name"], client_id=fields["client_id"],
            machine_id=fields["client_machine_id"], mac=fields["client_mac_address"])
        issued = await service.run_blocking(_register, service, token, secret_hash, arguments,
                                            actor, csr, not_after)
    except NotAllowed as exc:
        raise _refused(403, str(exc), INSUFFICIENT_SCOPE) from None
    except TokenRefused as refused:                  # spent (or revoked) since it was checked
        raise _refused(401, f"the enrollment token {token.id} can no longer be used "
                            f"({refused.reason})", INVALID_TOKEN) from None
    except InventoryUnavailable:                     # 503 from the middleware
        raise
    except X509CoreError as exc:                     # the CA's own checks: dates, CSR, key
        raise _refused(400, str(exc)) from None
    service.status.note_change()
    logger.info("registered %s (%s) with token %s for %s", issued.record.serial_hex,
                issued.record.subject, token.id, request.remote)
    return _answer(service, issued)


def _register(service: Service, token, secret_hash: str, arguments: dict, actor: Actor,
              csr: CertificateSigningRequest | None, not_after: datetime):
    """Blocking: issue with one use of the token; with no CSR, a new key is made."""
    return authority.enroll(service.ca, token, secret_hash, arguments, actor=actor,
                            action="register", csr=csr, not_after=not_after,
                            key_bits=KEY_BITS, mac_as_given=True)


def _answer(service: Service, issued) -> web.Response:
    body = {"ca_cert": service.ca.certificate.to_pem(), "client_cert": issued.certificate.to_pem()}
    if issued.private_key is None:
        return _json(body)
    body["client_key"] = issued.private_key.to_pem()          # once; kept nowhere
    return _json(body, {"Cache-Control": "no-store"})
