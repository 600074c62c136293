"""Every number that bounds the service, in one place: request sizes and timeouts (what a slow
or hostile client can cost), and the lifetimes of what the service signs.

Sizes. A PKCS #10 request of an RSA-4096 key with the machine binding is under 2 KiB of DER
(under 3 KiB of base64); an OCSP request for a few certificates is a few hundred octets. The
limits leave room for that and refuse the rest before reading it (aiohttp's
``client_max_size``: 413), and bound the request line and headers (aiohttp's parser: 400).

Time. ``HEADER_TIMEOUT`` is aiohttp's keep-alive timeout, which runs from the moment a
connection is accepted (and after each response) until a complete request head has arrived:
it closes a connection that trickles its headers (slowloris) or idles. ``BODY_TIMEOUT`` bounds
the reading of a body, ``TLS_HANDSHAKE_TIMEOUT`` the TLS handshake (asyncio's own default is 60
seconds).
"""

from __future__ import annotations

from datetime import timedelta

__all__ = ["MAX_BODY", "MAX_OCSP_BODY", "MAX_LINE", "MAX_FIELD", "MAX_HEADERS",
           "HEADER_TIMEOUT", "BODY_TIMEOUT", "TLS_HANDSHAKE_TIMEOUT", "SHUTDOWN_TIMEOUT",
           "MAX_OCSP_CERT_IDS", "OCSP_VALIDITY", "OCSP_CACHE_ENTRIES", "OCSP_CACHE_MARGIN",
           "CRL_VALIDITY", "CRL_RESIGN_BEFORE", "SERVER_CERT_DAYS", "SERVER_CERT_RENEW_BEFORE",
           "RESPONDER_DAYS", "RESPONDER_RENEW_BEFORE", "SERVICE_KEY_BITS", "WATCH_INTERVAL",
           "RENEW_INTERVAL"]

# -- requests ---------------------------------------------------------------------------------
MAX_BODY = 16 * 1024                 # octets of any request body (EST: one base64 CSR)
MAX_OCSP_BODY = 8 * 1024             # octets of an OCSP request (RFC 6960 Appendix A.1)
MAX_LINE = 4096                      # the request line, GET /ocsp/<base64> included
MAX_FIELD = 4096                     # one header field
MAX_HEADERS = 64                     # header fields per request
HEADER_TIMEOUT = 15.0                # seconds to send a complete request head
BODY_TIMEOUT = 15.0                  # seconds to send the body
TLS_HANDSHAKE_TIMEOUT = 15.0         # seconds to finish the TLS handshake
SHUTDOWN_TIMEOUT = 5.0               # seconds requests in flight get after SIGTERM
MAX_OCSP_CERT_IDS = 16               # CertIDs answered in one OCSP request

# -- what the service signs -------------------------------------------------------------------
OCSP_VALIDITY = timedelta(hours=1)          # nextUpdate - thisUpdate of each OCSP answer
OCSP_CACHE_ENTRIES = 10_000                 # answers without a nonce kept for reuse
OCSP_CACHE_MARGIN = timedelta(minutes=10)   # an answer is not served this close to nextUpdate
CRL_VALIDITY = timedelta(days=7)            # nextUpdate - thisUpdate of the CRL
CRL_RESIGN_BEFORE = timedelta(days=6)       # re-signed (at the latest) daily
SERVER_CERT_DAYS = 90                       # the HTTPS certificate of the service
SERVER_CERT_RENEW_BEFORE = timedelta(days=30)
RESPONDER_DAYS = 7                          # the delegated OCSP responder (no revocation check:
RESPONDER_RENEW_BEFORE = timedelta(days=2)  # short-lived, RFC 6960 §4.2.2.2.1)
SERVICE_KEY_BITS = 2048                     # the service's own TLS and OCSP keys
WATCH_INTERVAL = 1.0                        # seconds between looks at the inventory
RENEW_INTERVAL = 300.0                      # seconds between checks of the service's certificates
