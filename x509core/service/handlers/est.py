"""EST, RFC 7030, under ``/.well-known/est/`` (§3.2.2): ``cacerts``, ``csrattrs``,
``simpleenroll`` (authorised by an enrollment token, :mod:`.credentials`) and
``simplereenroll`` (authorised by the client's current certificate in TLS).

Wire format, as RFC 8951 §3 settles RFC 7030's errata 5107 and 5904: every body is the base64
(RFC 4648 §4) of DER; a receiver tolerates white space in it and ignores any
Content-Transfer-Encoding header. Responses still carry ``Content-Transfer-Encoding: base64``,
as RFC 7030 §4.1.3 showed, for clients written to the original text (RFC 8951 clients ignore it).
"""

from __future__ import annotations

import base64
import hmac
from datetime import timedelta

from aiohttp import web

from x509core.ca.inventory import TokenRefused, serial_hex
from x509core.ca.inventory.records import Actor
from x509core.ca.tls import check_peer
from x509core.ca.tokens import NotAllowed
from x509core.cert import oids
from x509core.cert.certificate import Certificate
from x509core.cert.cms import encode_certs_only
from x509core.cert.csr import CertificateSigningRequest, load_der_csr
from x509core.cert.names.general_name import general_name_print
from x509core.der import Writer
from x509core.ec.algorithms import ECDSA_SIGNATURE_OIDS
from x509core.errors import DecodeError, InvalidSignature, PathValidationError, UnsupportedAlgorithm
from x509core.rsa.algorithms import PKCS1_SIGNATURE_OIDS
from x509core.service import authority
from x509core.service.handlers.common import Refused, audit_as, decode_base64, read_body
from x509core.service.handlers.credentials import BASIC_CHALLENGE, authenticate, basic_token
from x509core.service.logs import logger
from x509core.service.state import SERVICE, Service
from x509core.service.tls import peer_certificate

__all__ = ["PREFIX", "routes", "cacerts", "csrattrs", "simpleenroll", "simplereenroll",
           "csr_attributes"]

PREFIX = "/.well-known/est"
CERTS_ONLY = "application/pkcs7-mime; smime-type=certs-only"


def routes() -> list[web.RouteDef]:
    return [web.get(f"{PREFIX}/cacerts", cacerts),
            web.get(f"{PREFIX}/csrattrs", csrattrs),
            web.post(f"{PREFIX}/simpleenroll", simpleenroll),
            web.post(f"{PREFIX}/simplereenroll", simplereenroll)]


def _base64_response(der: bytes, content_type: str) -> web.Response:
    body = base64.encodebytes(der)                  # 76-character lines, as MIME writes it
    return web.Response(body=body, headers={"Content-Type": content_type,
                                            "Content-Transfer-Encoding": "base64"})


async def cacerts(request: web.Request) -> web.Response:
    """The CA certificate as a base64 certs-only CMS, ``application/pkcs7-mime``. Anyone may
    call it: RFC 7030 §4.1.1, "the EST server SHOULD NOT require client authentication or
    authorization to reply to this request" (the client checks what it gets, §4.1.3)."""
    service: Service = request.app[SERVICE]
    return _base64_response(encode_certs_only([service.ca.certificate]), "application/pkcs7-mime")


def csr_attributes() -> bytes:
    """What this CA wants in a CSR, as RFC 7030 §4.5.2 ``CsrAttrs`` (RFC 8951 §4's ASN.1)::

        CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID
        AttrOrOID ::= CHOICE { oid OBJECT IDENTIFIER, attribute Attribute }

    A list of OIDs, as RFC 7030 §4.5.2's own example gives hints: the signatures the CSR may
    carry (sha256WithRSAEncryption, ecdsa-with-SHA256: the CA takes RSA and EC keys), the
    subject's O and CN, and the extensions it reads from a request, the subjectAltName and the
    machine binding (``x509core/ca/issuance/inputs.py``). No extensionRequest attribute: RFC
    9908 (its update of RFC 7030 §4.5.2) requires its one value to be an ``Extensions`` with
    the very extnValues the client must use, which this CA cannot know before it has seen the
    token; RFC 7030's example, which named bare OIDs in it and which this answer once copied,
    is "NOT CORRECT" there."""
    w = Writer()
    with w.sequence():
        for oid in (PKCS1_SIGNATURE_OIDS["sha256"], ECDSA_SIGNATURE_OIDS["sha256"],
                    oids.OID_ORGANIZATION_NAME, oids.OID_COMMON_NAME,
                    oids.OID_SUBJECT_ALT_NAME, oids.OID_MACHINE_IDENTITY):
            w.write_oid(oid)
    return w.to_bytes()


async def csrattrs(request: web.Request) -> web.Response:
    """The CSR attributes this CA wants, base64 DER, ``application/csrattrs`` (RFC 7030 §4.5).
    Anyone may call it: it says what a request should hold, nothing about anyone (§4.5.1
    lets the server answer without authenticating the client)."""
    return _base64_response(csr_attributes(), "application/csrattrs")


async def simpleenroll(request: web.Request) -> web.Response:
    """A first certificate for the holder of an enrollment token (RFC 7030 §4.2.1). Who may
    call it: a client that presents a token (HTTP Basic, :mod:`.credentials`) that is
    unexpired, unrevoked and has a use left; failed guesses are rate limited per address.
    The request, ``application/pkcs10`` base64, is checked (DER, proof of possession, the
    token's constraints) before one use of the token is spent with the certificate's
    reservation, so a malformed or refused request costs no use. The answer is the
    certificate, base64 certs-only CMS (§4.2.3); the token's profile (client or server)
    decides which kind."""
    service: Service = request.app[SERVICE]
    audit_as(request, "enroll", Actor("token", "-", request.remote))
    token, secret_hash = await authenticate(request, basic_token(request),
                                            challenge=BASIC_CHALLENGE)
    body = await read_body(request, ("application/pkcs10",))
    csr = _load_csr(decode_base64(body, "the CSR"))
    actor = Actor("token", token.id, request.remote)
    try:
        arguments = authority.token_csr_arguments(token, csr)
        issued = await service.run_blocking(_enroll, service, token, secret_hash, arguments,
                                            actor, csr)
    except NotAllowed as exc:
        raise Refused(403, str(exc)) from None
    except TokenRefused as refused:                  # spent (or revoked) since it was checked
        raise Refused(401, f"the enrollment token {token.id} can no longer be used "
                           f"({refused.reason})", BASIC_CHALLENGE) from None
    service.status.note_change()
    logger.info("enrolled %s (%s) with token %s for %s", issued.record.serial_hex,
                issued.record.subject, token.id, request.remote)
    return _base64_response(encode_certs_only([issued.certificate]), CERTS_ONLY)


def _enroll(service: Service, token, secret_hash: str, arguments: dict, actor: Actor,
            csr: CertificateSigningRequest):
    """Blocking: issue with one use of the token."""
    return authority.enroll(service.ca, token, secret_hash, arguments, actor=actor,
                            action="enroll", csr=csr)


async def simplereenroll(request: web.Request) -> web.Response:
    """A new certificate for the holder of a current one (RFC 7030 §4.2.2). Who may call it: a
    client that authenticates in TLS with its current certificate of this CA, unexpired and
    unrevoked (§3.3.2); the request, ``application/pkcs10`` base64 (§4.2.1), must name the same
    subject, subjectAltName and machine binding (§4.2.2: "MUST be identical"), with the same
    key or a new one. The answer is the new certificate, base64 certs-only CMS (§4.2.3)."""
    service: Service = request.app[SERVICE]
    audit_as(request, "reenroll", Actor("certificate", "-", request.remote))
    current = _authenticated_certificate(service, request)
    body = await read_body(request, ("application/pkcs10",))
    csr = _load_csr(decode_base64(body, "the CSR"))
    _check_same_identity(csr, current)
    record = authority.find_record(service.ca, current.serial_number)
    issued = await service.run_blocking(_reenroll, service, csr, record.profile, current,
                                        Actor("certificate", record.serial_hex, request.remote))
    service.status.note_change()
    logger.info("re-enrolled %s (%s) as %s for %s", record.serial_hex, record.subject,
                issued.record.serial_hex, request.remote)
    return _base64_response(encode_certs_only([issued.certificate]), CERTS_ONLY)


def _authenticated_certificate(service: Service, request: web.Request) -> Certificate:
    """The TLS client certificate, if it is a current, unrevoked certificate of this CA."""
    peer = peer_certificate(request.transport)
    if peer is None:
        raise Refused(403, "simplereenroll needs TLS client authentication with the certificate "
                           "to renew (RFC 7030 §3.3.2, §4.2.2)")
    audit_as(request, "reenroll", Actor("certificate", serial_hex(peer.serial_number),
                                        request.remote))
    try:
        check_peer(peer, ca_certificates=[service.ca.certificate], purpose="client")
    except PathValidationError as exc:
        raise Refused(403, f"the client certificate is not valid: {exc}") from None
    record = authority.find_record(service.ca, peer.serial_number)
    if record is None or record.pem.encode("ascii").strip() != peer.to_pem().encode("ascii").strip():
        raise Refused(403, "the client certificate is not in this CA's inventory")
    if record.status == "revoked":
        raise Refused(403, f"the client certificate {record.serial_hex} is revoked "
                           f"({record.revocation_reason})")
    return peer


def _load_csr(der: bytes) -> CertificateSigningRequest:
    try:
        csr = load_der_csr(der)
    except DecodeError as exc:
        raise Refused(400, f"not a PKCS #10 request: {exc}") from None
    try:
        csr.verify()
    except UnsupportedAlgorithm as exc:      # an Ed25519 key, say: not a failed proof
        raise Refused(400, f"the CSR cannot be used here: {exc}") from None
    except (InvalidSignature, ValueError):
        raise Refused(400, "the CSR's signature does not verify (RFC 2986 §3: proof of "
                           "possession failed)") from None
    return csr


def _san(holder) -> frozenset[str]:
    extension = holder.extension(oids.OID_SUBJECT_ALT_NAME)
    return frozenset() if extension is None else frozenset(
        general_name_print(name) for name in extension.value.names)


def _same(a: str | None, b: str | None) -> bool:
    return (a is None) == (b is None) and (a is None or hmac.compare_digest(a.encode(), b.encode()))


def _check_same_identity(csr: CertificateSigningRequest, current: Certificate) -> None:
    """RFC 7030 §4.2.2: subject and subjectAltName identical to the certificate being renewed;
    the seed system's machine binding too (compared in constant time)."""
    if not csr.subject.matches(current.subject):
        raise Refused(403, "the CSR's subject differs from the certificate being renewed "
                           "(RFC 7030 §4.2.2)")
    if _san(csr) != _san(current):
        raise Refused(403, "the CSR's subjectAltName differs from the certificate being renewed "
                           "(RFC 7030 §4.2.2)")
    if not (_same(csr.machine_identity, current.machine_identity)
            and _same(csr.mac_address, current.mac_address)):
        raise Refused(403, "the CSR's machine binding differs from the certificate being renewed")


def _reenroll(service: Service, csr: CertificateSigningRequest, profile: str, current: Certificate,
              actor: Actor):
    """Blocking: the new certificate, valid as long as the old one was."""
    days = max(1, round((current.not_valid_after - current.not_valid_before) / timedelta(days=1)))
    eku = current.extended_key_usage
    also_client = eku is not None and oids.OID_CLIENT_AUTH in eku.key_purposes
    return authority.reenroll(service.ca, csr, profile=profile, days=days,
                              also_client=also_client, actor=actor)

