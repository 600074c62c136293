"""The keys of the CA's world: which public keys a leaf may have, which key usages each kind
allows, and the private key files a site brings to the TLS helpers and to PKCS #12.

Public keys. The CA's own key is RSA and signs everything; a leaf certifies an RSA key (at
least 2048 bits) or an EC key on P-256, P-384 or P-521 — what ``openssl req -newkey ec
-pkeyopt ec_paramgen_curve:P-256`` makes on a modality. The key usages follow the key
(RFC 8813 §3, which updates RFC 5480 §3; RFC 3279 §2.3.1 for RSA): an EC key signs
(digitalSignature) and may agree keys (keyAgreement); it never enciphers, so keyEncipherment and
dataEncipherment are refused for it.

Private key files. An RSA key file is read into an :class:`~x509core.rsa.key.RSAPrivateKey`
(x509core signs and decrypts with RSA, in constant time under gmpy2). An EC key file is not:
x509core has no EC private key operation, and its point arithmetic is not constant-time
(``x509core/ec/arithmetic.py``), so an EC private key is never computed with. It is read as an
:class:`OpaqueECPrivateKey`: the curve and public key the file states in public
(``x509core.ec.private_keys``, which never interprets the secret), and the file's PKCS #8
PrivateKeyInfo octets, kept only to be handed on — re-encrypted under a one-time password for
:mod:`ssl` (``tls.py``) or under the PKCS #12 password (``pkcs12.py``). Accepted as OpenSSL
writes them: ``EC PRIVATE KEY`` (SEC 1 / RFC 5915, with or without the ``EC PARAMETERS`` block
of ``openssl ecparam -genkey``), ``PRIVATE KEY`` (PKCS #8, RFC 5958) and ``ENCRYPTED PRIVATE
KEY`` (PBES2, RFC 8018; decrypted by ``x509core/rsa/pbes2.py``). A SEC 1 key is wrapped in a
PrivateKeyInfo byte for byte (RFC 5915 §3 inside RFC 5958 §2), its octets unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from x509core import pem
from x509core.cert.extensions import KeyUsage
from x509core.der import Reader, Writer
from x509core.der import tags
from x509core.ec.curves import OID_EC_PUBLIC_KEY, Curve
from x509core.ec.algorithms import write_ec_parameters
from x509core.ec.key import ECPublicKey
from x509core.ec.private_keys import ECPrivateKeyFile, load_der_private_key_file
from x509core.errors import DecodeError, InvalidValue, UnsupportedAlgorithm
from x509core.rsa import keys as rsa_keys
from x509core.rsa import pbes2
from x509core.rsa.algorithms import OID_RSA_ENCRYPTION, OID_RSASSA_PSS
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey

__all__ = ["LEAF_CURVES", "check_public_key", "leaf_key_usage", "OpaqueECPrivateKey",
           "load_pem_private_key", "load_der_private_key", "key_matches"]

LEAF_CURVES = ("P-256", "P-384", "P-521")      # FIPS 186-5 / SP 800-186, what x509core implements
_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY")


def check_public_key(public_key, bits: int, *, ec: bool = True) -> RSAPublicKey | ECPublicKey:
    """An RSA key of at least ``bits``, or (``ec``: a leaf's key) an EC key on LEAF_CURVES."""
    if isinstance(public_key, ECPublicKey) and ec:
        if public_key.curve.nist_name not in LEAF_CURVES:
            raise InvalidValue(f"EC keys must be on {', '.join(LEAF_CURVES)}, not "
                               f"{public_key.curve.nist_name}")
        return public_key
    if not isinstance(public_key, RSAPublicKey):
        kinds = "RSA or EC (P-256, P-384, P-521)" if ec else "RSA"
        what = getattr(public_key, "algorithm_name", type(public_key).__name__)
        why = getattr(public_key, "reason", "") or getattr(public_key, "error", "")
        if isinstance(public_key, ECPublicKey):
            what = f"EC {public_key.curve.nist_name}"
        raise InvalidValue(f"only {kinds} keys are supported here, not {what}"
                           + (f" ({why})" if why else ""))
    if public_key.key_size < bits:
        raise InvalidValue(f"the key must be at least RSA-{bits}, not RSA-{public_key.key_size}")
    problem = public_key.problem
    if problem is not None:
        raise InvalidValue(f"the key is not usable: {problem}")
    # CA/B BR §6.1.6: "The value of the public exponent MUST be an odd number equal to 3 or more
    # ... Additionally, the public exponent SHOULD be in the range between 2^16 + 1 and
    # 2^256 - 1." The CA certifies only keys every relying party verifies cheaply (issue 16).
    if not (1 << 16) < public_key.e < (1 << 256):
        raise InvalidValue("the RSA public exponent must lie between 2^16 + 1 and 2^256 - 1 "
                           "(CA/B BR §6.1.6)")
    return public_key


def leaf_key_usage(public_key, *, key_encipherment: bool, key_agreement: bool = False) -> KeyUsage:
    """digitalSignature, and what the key's kind allows of what was asked: keyEncipherment for
    RSA (a TLS 1.2 RSA key exchange), keyAgreement for EC. RFC 8813 §3: for id-ecPublicKey,
    "keyEncipherment; and dataEncipherment" MUST NOT be present; RFC 3279 §2.3.1 gives an RSA
    key no keyAgreement."""
    if isinstance(public_key, ECPublicKey):
        if key_encipherment:
            raise InvalidValue("an EC key cannot encipher keys: keyEncipherment MUST NOT be "
                               "asserted for id-ecPublicKey (RFC 8813 §3)")
        return KeyUsage(digital_signature=True, key_agreement=key_agreement)
    if key_agreement:
        raise InvalidValue("an RSA key does no key agreement (RFC 3279 §2.3.1): keyAgreement "
                           "is for EC keys")
    return KeyUsage(digital_signature=True, key_encipherment=key_encipherment)


@dataclass(frozen=True)
class OpaqueECPrivateKey:
    """An EC private key x509core holds for someone else and never computes with: the curve and
    public key its file states, and its PKCS #8 PrivateKeyInfo DER (not shown by ``repr``)."""

    key_file: ECPrivateKeyFile
    private_key_info: bytes = field(repr=False)

    @property
    def curve(self) -> Curve:
        return self.key_file.curve

    @property
    def public_key(self) -> ECPublicKey | None:
        """The public key the file carries, or None when it does not (OpenSSL's ``ssl`` still
        checks the pair when it loads them)."""
        return self.key_file.public_key

    def matches(self, public_key) -> bool | None:
        """True or False, or None when the file does not carry its public key."""
        return self.key_file.matches(public_key)

    def to_encrypted_der(self, password: bytes | str, *,
                         iterations: int = pbes2.DEFAULT_ITERATIONS) -> bytes:
        """EncryptedPrivateKeyInfo (PBES2, AES-256-CBC, RFC 8018) of the key's octets."""
        return pbes2.encrypt_private_key_info(self.private_key_info, password,
                                              iterations=iterations)

    def to_pem(self, password: bytes | str, *, iterations: int = pbes2.DEFAULT_ITERATIONS) -> str:
        """``ENCRYPTED PRIVATE KEY`` PEM: there is no way to write the key in clear."""
        return pem.encode("ENCRYPTED PRIVATE KEY", self.to_encrypted_der(password,
                                                                         iterations=iterations))


def key_matches(private_key, public_key) -> bool | None:
    """Whether ``private_key`` (RSA, or an :class:`OpaqueECPrivateKey`) is the private half of
    ``public_key`` (a certificate's): True, False, or None when an EC file does not say."""
    if isinstance(private_key, RSAPrivateKey):
        return isinstance(public_key, RSAPublicKey) and public_key.n == private_key.n \
            and public_key.e == private_key.e
    if isinstance(private_key, OpaqueECPrivateKey):
        return private_key.matches(public_key)
    raise TypeError("private_key must be an x509core RSAPrivateKey or OpaqueECPrivateKey")


def load_pem_private_key(data: str | bytes, password: bytes | str | None = None
                         ) -> RSAPrivateKey | OpaqueECPrivateKey:
    """An RSA or EC private key file in PEM, as OpenSSL writes them (the module docstring)."""
    blocks = [(label, der) for label, der in pem.decode(data) if label != "EC PARAMETERS"]
    if len(blocks) != 1 or blocks[0][0] not in _LABELS:
        raise InvalidValue("expected one private key PEM block (PRIVATE KEY, ENCRYPTED PRIVATE "
                           "KEY, RSA PRIVATE KEY or EC PRIVATE KEY)")
    label, der = blocks[0]
    if label == "RSA PRIVATE KEY":
        return rsa_keys.load_pem_private_key(data, password)
    if label == "EC PRIVATE KEY":
        _no_password(password)
        from x509core.ec.private_keys import load_pem_private_key_file
        return OpaqueECPrivateKey(load_pem_private_key_file(data), _wrap_sec1(der))
    if label == "ENCRYPTED PRIVATE KEY" and password is None:
        raise InvalidValue("the private key is encrypted: a passphrase is required")
    return load_der_private_key(der, password)


def load_der_private_key(data: bytes, password: bytes | str | None = None
                         ) -> RSAPrivateKey | OpaqueECPrivateKey:
    """An RSA or EC private key in DER: PKCS #8, encrypted PKCS #8, PKCS #1 or SEC 1."""
    probe = Reader(data).read_sequence("privateKey")
    if probe.peek_is(tags.SEQUENCE):                     # EncryptedPrivateKeyInfo
        plain = pbes2.decrypt_private_key_info(data, password)
        try:
            return _load_plain(plain)
        except DecodeError:               # the same message as a wrong padding (no oracle)
            raise pbes2.DecryptionFailed(
                "cannot decrypt the private key: wrong passphrase or corrupt data") from None
    _no_password(password)
    return _load_plain(data)


def _no_password(password) -> None:
    if password is not None:
        raise InvalidValue("a passphrase was given but the private key is not encrypted")


def _load_plain(data: bytes) -> RSAPrivateKey | OpaqueECPrivateKey:
    """PKCS #8 by its algorithm, or a bare PKCS #1 / SEC 1 key by its shape."""
    probe = Reader(data).read_sequence("privateKey")
    version = probe.read_integer("version")
    if probe.peek_is(tags.SEQUENCE):                     # privateKeyAlgorithm: PKCS #8
        algorithm = probe.read_sequence("privateKeyAlgorithm").read_oid("algorithm")
        if algorithm in (OID_RSA_ENCRYPTION, OID_RSASSA_PSS):
            return rsa_keys.load_der_private_key(data)
        if algorithm != OID_EC_PUBLIC_KEY:
            raise UnsupportedAlgorithm(f"unsupported private key algorithm {algorithm} (RSA "
                                       "and EC keys are supported)")
        return OpaqueECPrivateKey(load_der_private_key_file(data), data)
    if version == 1 and probe.peek_is(tags.OCTET_STRING):   # ECPrivateKey (RFC 5915 §3)
        return OpaqueECPrivateKey(load_der_private_key_file(data), _wrap_sec1(data))
    return rsa_keys.load_der_private_key(data)


def _wrap_sec1(ec_private_key: bytes) -> bytes:
    """A SEC 1 ECPrivateKey (with its parameters) as the privateKey of a PKCS #8
    PrivateKeyInfo: version 0, id-ecPublicKey with the same namedCurve (RFC 5915 §3, RFC 5958
    §2). The key's octets are copied, never interpreted."""
    key_file = load_der_private_key_file(ec_private_key)
    w = Writer()
    with w.sequence():
        w.write_integer(0)
        with w.sequence():
            w.write_oid(OID_EC_PUBLIC_KEY)
            write_ec_parameters(w, key_file.curve)
        w.write_octet_string(ec_private_key)
    return w.to_bytes()
