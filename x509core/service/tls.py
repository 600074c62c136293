"""TLS of the HTTPS listener: BCP 195 settings, a client certificate asked for but optional, and
the peer's certificate handed to the handler.

The context is the CA layer's :func:`~x509core.ca.tls.server_ssl_context` (TLS 1.2 or later,
RFC 9325 §3.1.1; TLS 1.2 suites ECDHE with AES-GCM or ChaCha20-Poly1305 only, RFC 9325 §4.2;
no compression, no renegotiation) presenting the service's own certificate, with one change:
``verify_mode = CERT_OPTIONAL``. The server then sends a CertificateRequest, and a client may
answer with a certificate or without one (RFC 7030 §3.3.2: "the EST server MUST request a
client certificate", which only ``simplereenroll`` requires). The request names no CA (an
empty certificate_authorities list, which RFC 5246 §7.4.4 and RFC 8446 §4.2.4 allow): Python's
``ssl`` has no call for OpenSSL's ``SSL_CTX_set_client_CA_list``, so a client holding several
certificates cannot pick by CA and may send a foreign one, which ends the handshake.

Who decides about a client certificate. OpenSSL checks in the handshake that a certificate
that is sent chains to this CA and has the purpose sslclient; a foreign one ends the handshake.
It does not check the time (OpenSSL's ``X509_V_FLAG_NO_CHECK_TIME``) and knows no CRL: a
handler that uses the peer certificate (``simplereenroll``; any later one must do the same)
validates it with x509core's own validator at the current time (``x509core.ca.tls.check_peer``)
and looks it up in the inventory, so an expired or revoked certificate gets an HTTP 403 with
the reason, rather than a bare TLS alert that most clients report as an empty reply.
"""

from __future__ import annotations

import ssl

from x509core.ca.tls import load_identity, server_ssl_context
from x509core.cert.certificate import Certificate, load_der_certificate
from x509core.service.identity import Identity

__all__ = ["https_context", "replace_identity", "peer_certificate"]

_X509_V_FLAG_NO_CHECK_TIME = 0x200000             # OpenSSL include/openssl/x509_vfy.h


def https_context(identity: Identity, ca_certificate: Certificate) -> ssl.SSLContext:
    """The listener's context, presenting ``identity`` and asking for a client certificate."""
    context = server_ssl_context(identity.certificate, identity.key,
                                 ca_certificates=[ca_certificate],
                                 require_client_certificate=False)
    context.verify_mode = ssl.CERT_OPTIONAL
    # The time is checked by the handler (module docstring); ssl passes the flag to OpenSSL's
    # X509_VERIFY_PARAM_set_flags as it is.
    context.verify_flags |= _X509_V_FLAG_NO_CHECK_TIME
    return context


def replace_identity(context: ssl.SSLContext, identity: Identity) -> None:
    """Present a renewed certificate from the next handshake on (connections open stay as
    they are)."""
    load_identity(context, identity.certificate, identity.key, ())


def peer_certificate(transport) -> Certificate | None:
    """The certificate the client presented in this connection's handshake, or None (no TLS,
    or no client certificate)."""
    if transport is None:
        return None
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return None if der is None else load_der_certificate(der)
