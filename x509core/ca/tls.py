"""TLS contexts for HTTPS and DICOM links, in the spirit of trustme: :func:`server_ssl_context`
and :func:`client_ssl_context` return a configured :class:`ssl.SSLContext` (mutual TLS, TLS 1.2
or later, peer certificates required), and :func:`check_peer` applies x509core's own path
validation and the medical-imaging policy (machine binding, organization) to a connected peer.

Settings, and why (RFC 9325 = BCP 195, which DICOM PS3.15 Annex B's TLS profiles follow):

* ``minimum_version = TLSv1_2`` (RFC 9325 §3.1.1: TLS 1.0 and 1.1 MUST NOT be negotiated);
* TLS 1.2 cipher suites limited to ECDHE with AES-GCM or ChaCha20-Poly1305: forward secrecy
  and AEAD only (RFC 9325 §4.2); TLS 1.3 suites are OpenSSL's (all AEAD, all forward-secret);
* ``verify_mode = CERT_REQUIRED`` on both sides, trust limited to ``ca_certificates`` (never
  the system store: a public CA must not be able to issue a modality's identity); clients
  also check the server name (``check_hostname``, RFC 9525).

OpenSSL (inside :mod:`ssl`) validates the chain and the purpose (a server refuses a client
certificate without clientAuth). With ``policy=`` given, every handshake is followed by
:func:`check_peer`, x509core's validator with the :class:`~x509core.MedicalImagingPolicy`;
a refused peer's socket is closed and the handshake raises :class:`ssl.SSLCertVerificationError`
(for a server socket, ``socketserver`` and pynetdicom then drop the connection). In TLS 1.3 the
client learns of this at its first read. The refusal is logged on the ``x509core.ca.tls``
logger with the reason, its control characters escaped (``x509core/safe_text.py``: the
reason quotes the peer's subject). The check fails closed: any exception in it (even in a
policy function) refuses the peer. ``policy`` is a :class:`~x509core.MedicalImagingPolicy` or
a function from the peer's certificate to one (for example the machine registered for that
client id). The check runs in ``SSLSocket.do_handshake``, so such a context refuses
``do_handshake_on_connect=False`` and ``wrap_bio`` (asyncio): there, call :func:`check_peer` on
the ``SSLObject`` yourself.

Key material and files: :mod:`ssl` loads a certificate and key only from files
(``load_cert_chain``). We write them to a fresh private directory (``tempfile.mkdtemp``: mode
0700, owner only), the key encrypted (PKCS#8, AES-256-CBC) under a one-time random password
that never touches the disk, load them, and delete the directory at once, also on error. The
plaintext key is therefore never written anywhere; the CA certificates go in memory
(``cadata``). The key is an :class:`~x509core.rsa.key.RSAPrivateKey` or an EC key file read as an
:class:`~x509core.ca.keys.OpaqueECPrivateKey` (``keys.load_pem_private_key``: PKCS#8, SEC 1 or
encrypted PKCS#8, as OpenSSL writes them). x509core never computes with an EC private key: its
PKCS#8 octets are re-encrypted and handed to OpenSSL. The pair is checked before: an RSA key's
modulus, an EC file's public key (``ECPrivateKeyFile.matches``); an EC file that does not carry
its public key is checked by OpenSSL itself when ``load_cert_chain`` loads the pair.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import ssl
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence, Union

from x509core.safe_text import escape_controls
from x509core.cert import Certificate, load_der_certificate
from x509core.cert.validation.verify import MedicalImagingPolicy, VerifiedChain, verify_chain
from x509core.ca.keys import OpaqueECPrivateKey, key_matches
from x509core.errors import PathValidationError, X509CoreError
from x509core.rsa.key import RSAPrivateKey
from x509core.rsa.keys import private_key_to_pem

__all__ = ["server_ssl_context", "client_ssl_context", "check_peer", "load_identity",
           "TLS12_CIPHERS", "PolicySource"]

TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL"
# A policy, or a function from the peer's certificate to its policy (e.g. a lookup of the
# machine a modality's client id is bound to).
PolicySource = Union[MedicalImagingPolicy, Callable[[Certificate], MedicalImagingPolicy]]
_log = logging.getLogger(__name__)


def server_ssl_context(certificate: Certificate, private_key: RSAPrivateKey | OpaqueECPrivateKey, *,
                       ca_certificates: Sequence[Certificate],
                       require_client_certificate: bool = True,
                       chain: Sequence[Certificate] = (),
                       policy: PolicySource | None = None,
                       intermediates: Sequence[Certificate] = ()) -> ssl.SSLContext:
    """A server context presenting ``certificate`` (and ``chain``) that requires a client
    certificate issued under ``ca_certificates``; with ``policy``, each client is also checked
    by :func:`check_peer` (purpose client)."""
    ctx = _PeerCheckingContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(ctx)
    load_identity(ctx, certificate, private_key, chain)
    cas = _certificates(ca_certificates, "ca_certificates")
    if require_client_certificate:
        if not cas:
            raise X509CoreError("requiring client certificates needs at least one CA certificate")
        ctx.verify_mode = ssl.CERT_REQUIRED
    if cas:
        ctx.load_verify_locations(cadata="".join(c.to_pem() for c in cas))
    if policy is not None:
        if not require_client_certificate:
            raise X509CoreError("a peer policy needs require_client_certificate=True")
        ctx._x509core_check = _Check(cas, _certificates(intermediates, "intermediates"), "client",
                                    policy)
    return ctx


def client_ssl_context(certificate: Certificate | None,
                       private_key: RSAPrivateKey | OpaqueECPrivateKey | None, *,
                       ca_certificates: Sequence[Certificate],
                       policy: PolicySource | None = None,
                       intermediates: Sequence[Certificate] = ()) -> ssl.SSLContext:
    """A client context that trusts only ``ca_certificates``, checks the server name, and
    presents ``certificate`` when given (mutual TLS); with ``policy``, the server is also
    checked by :func:`check_peer` (purpose server, its name)."""
    if (certificate is None) != (private_key is None):
        raise X509CoreError("give both the client certificate and its key, or neither")
    ctx = _PeerCheckingContext(ssl.PROTOCOL_TLS_CLIENT)     # CERT_REQUIRED, check_hostname
    _harden(ctx)
    cas = _certificates(ca_certificates, "ca_certificates")
    if not cas:
        raise X509CoreError("a client context needs at least one CA certificate to trust")
    ctx.load_verify_locations(cadata="".join(c.to_pem() for c in cas))
    if certificate is not None:
        load_identity(ctx, certificate, private_key, ())
    if policy is not None:
        ctx._x509core_check = _Check(cas, _certificates(intermediates, "intermediates"), "server",
                                    policy)
    return ctx


def check_peer(peer, *, ca_certificates: Sequence[Certificate], purpose: str | None = "client",
               policy: MedicalImagingPolicy | None = None, at: datetime | None = None,
               intermediates: Sequence[Certificate] = (), peer_name: str | None = None,
               crls: Sequence = ()) -> VerifiedChain:
    """Validate the peer's certificate with :func:`x509core.verify_chain` (RFC 5280 §6, the
    purpose, ``peer_name``, ``crls``) and ``policy`` (machine binding, organization, issuing
    CA), at ``at`` (default: now). ``peer``: a connected :class:`ssl.SSLSocket` or
    :class:`ssl.SSLObject`, a :class:`Certificate`, or its DER. Returns the verified chain;
    raises :class:`~x509core.errors.PathValidationError`."""
    leaf = _peer_certificate(peer)
    moment = datetime.now(timezone.utc) if at is None else at
    return verify_chain(leaf, trust_anchors=_certificates(ca_certificates, "ca_certificates"),
                        intermediates=_certificates(intermediates, "intermediates"),
                        purpose=purpose, at=moment, peer_name=peer_name, crls=tuple(crls),
                        policy=policy)


def _peer_certificate(peer) -> Certificate:
    if isinstance(peer, Certificate):
        return peer
    if isinstance(peer, (bytes, bytearray)):
        return load_der_certificate(bytes(peer))
    if isinstance(peer, (ssl.SSLSocket, ssl.SSLObject)):
        der = peer.getpeercert(binary_form=True)
        if der is None:
            raise PathValidationError("the peer presented no certificate", depth=0,
                                      rule="RFC 8446 §4.4.2", category="no_certificate")
        return load_der_certificate(der)
    raise TypeError("peer must be an SSLSocket, SSLObject, Certificate or DER bytes")


def _certificates(values: Sequence[Certificate], what: str) -> tuple[Certificate, ...]:
    if isinstance(values, Certificate) or not all(isinstance(c, Certificate) for c in values):
        raise TypeError(f"{what} must be a sequence of x509core Certificates")
    return tuple(values)


def _harden(ctx: ssl.SSLContext) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2           # RFC 9325 §3.1.1
    ctx.set_ciphers(TLS12_CIPHERS)                          # RFC 9325 §4.2
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION   # RFC 9325 §3.3, §3.5


def load_identity(ctx: ssl.SSLContext, certificate: Certificate,
                  private_key: RSAPrivateKey | OpaqueECPrivateKey,
                  chain: Sequence[Certificate]) -> None:
    """``load_cert_chain`` through a private temporary directory (see the module docstring).
    Calling it again on a context replaces its certificate for new handshakes (the service
    renews its own certificate so, without restarting)."""
    if not isinstance(certificate, Certificate):
        raise TypeError("certificate must be an x509core Certificate")
    if not isinstance(private_key, (RSAPrivateKey, OpaqueECPrivateKey)):
        raise TypeError("private_key must be an x509core RSAPrivateKey or an EC key file "
                        "(x509core.ca.keys.load_pem_private_key)")
    matches = key_matches(private_key, certificate.public_key)
    if matches is False:
        raise X509CoreError("the private key does not match the certificate's public key")
    chain = _certificates(chain, "chain")
    one_time = secrets.token_hex(32)
    # PBKDF2 stretching protects guessable passwords; 256 random bits need none, so 1 round.
    if isinstance(private_key, RSAPrivateKey):
        key_pem = private_key_to_pem(private_key, one_time, iterations=1)
    else:
        key_pem = private_key.to_pem(one_time, iterations=1)
    directory = Path(tempfile.mkdtemp(prefix="x509core-tls-"))     # mode 0700
    try:
        cert_path, key_path = directory / "certificate.pem", directory / "key.pem"
        _write_private(cert_path, "".join(c.to_pem() for c in (certificate, *chain)))
        _write_private(key_path, key_pem)
        try:
            ctx.load_cert_chain(cert_path, key_path, password=one_time)
        except ssl.SSLError as exc:
            if matches is not None:
                raise
            # An EC file without its public key: OpenSSL's check of the pair is the only one.
            raise X509CoreError("the private key does not match the certificate's public key "
                                f"({getattr(exc, 'reason', None) or exc})") from None
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


class _Check:
    """The post-handshake step of a context made with ``policy=``."""

    def __init__(self, cas, intermediates, purpose: str, policy: PolicySource):
        if not isinstance(policy, MedicalImagingPolicy) and not callable(policy):
            raise TypeError("policy must be a MedicalImagingPolicy or a function returning one")
        self.cas, self.intermediates = cas, intermediates
        self.purpose, self.policy = purpose, policy

    def __call__(self, sock: ssl.SSLSocket) -> None:
        leaf = _peer_certificate(sock)
        policy = self.policy if isinstance(self.policy, MedicalImagingPolicy) else self.policy(leaf)
        peer_name = sock.server_hostname if self.purpose == "server" else None
        check_peer(leaf, ca_certificates=self.cas, intermediates=self.intermediates,
                   purpose=self.purpose, policy=policy, peer_name=peer_name)


class _CheckedSSLSocket(ssl.SSLSocket):
    """An SSLSocket that runs its context's x509core check once its handshake is done."""

    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        check = getattr(self.context, "_x509core_check", None)
        if check is None:
            return
        try:
            check(self)
        except Exception as exc:             # fail closed: a failing check (even a bug in a
            # policy function) refuses the peer instead of crashing a server's accept loop
            # The reason names the peer's subject, which the peer chose: escaped, so that a
            # CR, LF or ESC in it cannot forge a log entry (CWE-117) or reach a terminal.
            reason = escape_controls(str(exc))
            _log.warning("TLS peer %s refused: %s", escape_controls(_address(self)), reason)
            self.close()
            raise ssl.SSLCertVerificationError(
                f"x509core refused the peer certificate: {reason}") from exc


def _address(sock: ssl.SSLSocket) -> str:
    try:
        return str(sock.getpeername())
    except OSError:
        return "(disconnected)"


class _PeerCheckingContext(ssl.SSLContext):
    """An SSLContext whose sockets run ``_x509core_check`` (set only with ``policy=``)."""

    sslsocket_class = _CheckedSSLSocket
    _x509core_check: _Check | None = None

    def wrap_socket(self, sock, *args, do_handshake_on_connect: bool = True, **kwargs):
        # The check runs in do_handshake(); a lazy handshake (done by the first read) would
        # skip it, so a checking context insists on the handshake at connect/accept time.
        if self._x509core_check is not None and not do_handshake_on_connect:
            raise X509CoreError("a context with a peer policy needs do_handshake_on_connect=True")
        return super().wrap_socket(sock, *args, do_handshake_on_connect=do_handshake_on_connect,
                                   **kwargs)

    def wrap_bio(self, *args, **kwargs):
        if self._x509core_check is not None:
            raise X509CoreError("a context with a peer policy checks SSLSocket handshakes only; "
                                "with memory BIOs (asyncio) call check_peer() on the SSLObject")
        return super().wrap_bio(*args, **kwargs)
