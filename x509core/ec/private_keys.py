"""EC private key files as OpenSSL writes them, read for their curve and public key only.

The CA's TLS helpers hand a site's EC key file to Python's :mod:`ssl`; before that they check
which certificate it belongs to, by comparing public keys. This module reads the two
unencrypted forms OpenSSL writes:

- ``EC PRIVATE KEY`` (``openssl ecparam -genkey``, ``openssl ec``): SEC 1 §C.4, RFC 5915 §3::

      ECPrivateKey ::= SEQUENCE {
        version        INTEGER { ecPrivkeyVer1(1) } (ecPrivkeyVer1),
        privateKey     OCTET STRING,
        parameters [0] ECParameters {{ NamedCurve }} OPTIONAL,
        publicKey  [1] BIT STRING OPTIONAL
      }

- ``PRIVATE KEY`` (``openssl genpkey -algorithm EC``): the OneAsymmetricKey of RFC 5958 §2
  with privateKeyAlgorithm id-ecPublicKey and its ECParameters (RFC 5480 §2.1.1), and an
  ECPrivateKey in privateKey (OpenSSL omits its ``parameters`` there)::

      OneAsymmetricKey ::= SEQUENCE {
        version                   Version,
        privateKeyAlgorithm       PrivateKeyAlgorithmIdentifier,
        privateKey                PrivateKey,
        attributes            [0] Attributes OPTIONAL,
        ...,
        [[2: publicKey        [1] PublicKey OPTIONAL ]],
        ...
      }

What it returns: an :class:`ECPrivateKeyFile` with the curve and the public key taken from a
``publicKey`` field, validated as any public key is. What it never does: interpret the private
key. Only the privateKey octet string's length is checked (ceiling(log2(n)/8) octets, RFC 5915
§3); its value is not read into an integer, kept, compared or printed. When no ``publicKey``
field is present the public key is *unknown* (``public_key is None``): it is not computed as
d*G, because the point arithmetic of ``arithmetic.py`` is not constant-time — its branches,
table look-ups and bignum timings follow the scalar's bits — and must never touch a secret.
OpenSSL's own check in ``SSLContext.load_cert_chain`` still compares such a key with its
certificate. Encrypted keys (``ENCRYPTED PRIVATE KEY``) are decrypted by the caller first
(PBES2 is in ``rsa/pbes2.py``, a layer beside this one), and the plain DER given here.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core import pem
from x509core.der import Reader
from x509core.der import tags
from x509core.ec.algorithms import read_ec_parameters, read_key_algorithm
from x509core.ec.curves import Curve
from x509core.ec.key import ECPublicKey
from x509core.ec.keys import read_public_point
from x509core.errors import DecodeError, InvalidEncodedValue, InvalidValue, UnsupportedAlgorithm

__all__ = ["ECPrivateKeyFile", "load_der_private_key_file", "load_pem_private_key_file"]

_KEY_LABELS = ("EC PRIVATE KEY", "PRIVATE KEY")


@dataclass(frozen=True, slots=True)
class ECPrivateKeyFile:
    """What an EC private key file says in public: its curve and, when the file carries it, its
    public key. ``format`` is ``"sec1"`` (EC PRIVATE KEY) or ``"pkcs8"`` (PRIVATE KEY)."""

    curve: Curve
    public_key: ECPublicKey | None
    format: str

    def matches(self, public_key) -> bool | None:
        """Whether this file's key is the private half of ``public_key`` (a certificate's key):
        True or False, or None when the file does not carry its public key (see the module
        docstring: it is never computed from the secret)."""
        if not isinstance(public_key, ECPublicKey):
            return False
        if self.public_key is None:
            return None if public_key.curve == self.curve else False
        return public_key == self.public_key


def _read_ec_private_key(r: Reader, curve: Curve | None) -> tuple[Curve, ECPublicKey | None]:
    """An ECPrivateKey (RFC 5915 §3): its curve (from ``parameters``, or ``curve`` given by the
    PKCS #8 wrapper) and its publicKey, if any. The private key octets are never read."""
    seq = r.read_sequence("ECPrivateKey")
    start = seq.pos
    if seq.read_integer("version") != 1:
        raise DecodeError("ECPrivateKey version must be 1 (ecPrivkeyVer1, RFC 5915 §3)", start,
                          seq.path)
    secret_start = seq.pos
    tag, secret = seq.read_element("privateKey")     # bounds only: the octets are not copied
    if tag != tags.OCTET_STRING:
        raise DecodeError(f"ECPrivateKey.privateKey must be an OCTET STRING, found {tag}",
                          secret_start, seq.path)
    secret_length = secret.end - secret.pos
    field = seq.read_optional_explicit(0, "parameters")
    if field is not None:
        named = read_ec_parameters(field)
        field.finish()
        if curve is not None and named != curve:
            raise DecodeError("ECPrivateKey.parameters name another curve than privateKeyAlgorithm",
                              field.element_start, field.path)
        curve = named
    if curve is None:
        raise DecodeError("ECPrivateKey without parameters: its curve is unknown (RFC 5915 §3: "
                          "implementations MUST include the parameters field)", start, seq.path)
    # RFC 5915 §3: privateKey "is an octet string of length ceiling (log2(n)/8)".
    if secret_length != curve.order_size:
        raise DecodeError(f"ECPrivateKey.privateKey must be {curve.order_size} octets for "
                          f"{curve.nist_name} (RFC 5915 §3)", secret_start, seq.path)
    public_key = None
    field = seq.read_optional_explicit(1, "publicKey")
    if field is not None:
        public_key = read_public_point(field, curve, "publicKey")
        field.finish()
    seq.finish()
    return curve, public_key


def _read_one_asymmetric_key(r: Reader) -> tuple[Curve, ECPublicKey | None]:
    """A PKCS #8 OneAsymmetricKey holding an EC key (RFC 5958 §2, RFC 5480 §2.1.1)."""
    seq = r.read_sequence("PrivateKeyInfo")
    start = seq.pos
    version = seq.read_integer("version")
    if version not in (0, 1):                        # RFC 5958 §2: v1(0), v2(1)
        raise DecodeError(f"unknown PrivateKeyInfo version {version} (RFC 5958 §2)", start,
                          seq.path)
    curve = read_key_algorithm(seq.read_sequence("privateKeyAlgorithm"), "private")
    inner = seq.read_octet_string_der("privateKey")
    curve, public_key = _read_ec_private_key(inner, curve)
    inner.finish()
    seq.read_optional(tags.context(0, True), "attributes")        # not interpreted
    outer_start = seq.pos
    if seq.peek_is(tags.context(1, False)):
        # RFC 5958 §2: "If publicKey is present, then version is set to v2".
        if version != 1:
            raise DecodeError("OneAsymmetricKey.publicKey needs version v2 (RFC 5958 §2)",
                              outer_start, seq.path)
        outer = _outer_public_key(seq, curve)
        if public_key is not None and outer != public_key:
            raise DecodeError("the publicKey of OneAsymmetricKey and of ECPrivateKey differ",
                              outer_start, seq.path)
        public_key = outer
    seq.finish()
    return curve, public_key


def _outer_public_key(seq: Reader, curve: Curve) -> ECPublicKey:
    """OneAsymmetricKey.publicKey, ``[1] IMPLICIT BIT STRING`` holding the ECPoint."""
    start = seq.pos
    bits = seq.read_implicit_value(1, 3, "publicKey")
    if bits.unused_bits:
        raise DecodeError("publicKey BIT STRING must have 0 unused bits", start, seq.path)
    try:
        return ECPublicKey.from_encoded_point(curve, bits.data)
    except InvalidValue as exc:
        raise InvalidEncodedValue(str(exc), start, seq.path + ("publicKey",)) from None


def load_der_private_key_file(data: bytes) -> ECPrivateKeyFile:
    """An unencrypted EC private key, SEC 1 ECPrivateKey or PKCS #8 DER (detected): its curve
    and public key. Non-EC PKCS #8 keys raise :class:`UnsupportedAlgorithm`."""
    probe = Reader(data).read_sequence("privateKey")
    if probe.peek_is(tags.SEQUENCE):                 # EncryptedPrivateKeyInfo (RFC 5958 §3)
        raise UnsupportedAlgorithm("an encrypted private key: decrypt it first (this reader takes "
                                   "unencrypted EC PRIVATE KEY and PRIVATE KEY files)")
    probe.read_integer("version")
    reader = Reader(data)
    if probe.peek_is(tags.SEQUENCE):                 # privateKeyAlgorithm: PKCS #8
        curve, public_key = _read_one_asymmetric_key(reader)
        kind = "pkcs8"
    else:
        curve, public_key = _read_ec_private_key(reader, None)
        kind = "sec1"
    reader.finish()
    return ECPrivateKeyFile(curve, public_key, kind)


def load_pem_private_key_file(text: str | bytes) -> ECPrivateKeyFile:
    """An EC key file's contents in PEM (the text, not the file's name): one ``EC PRIVATE KEY``
    or ``PRIVATE KEY`` block, and optionally the ``EC PARAMETERS`` block ``openssl ecparam
    -genkey`` writes before it (its curve must agree)."""
    blocks = pem.decode(text)
    keys = [(label, der) for label, der in blocks if label != "EC PARAMETERS"]
    if not blocks:
        raise InvalidValue("no PEM block: pass the key file's contents (its text), not its name")
    if len(keys) != 1:
        raise InvalidValue(f"expected one private key PEM block, found {len(keys)}")
    label, der = keys[0]
    if label == "ENCRYPTED PRIVATE KEY":
        raise UnsupportedAlgorithm("an encrypted private key: decrypt it first (this reader takes "
                                   "unencrypted EC PRIVATE KEY and PRIVATE KEY files)")
    if label not in _KEY_LABELS:
        raise UnsupportedAlgorithm(f"not an EC private key file (PEM label {label!r})")
    key_file = load_der_private_key_file(der)
    for params in (d for l, d in blocks if l == "EC PARAMETERS"):
        reader = Reader(params)
        if read_ec_parameters(reader, "ECParameters") != key_file.curve:
            raise InvalidValue("the EC PARAMETERS block names another curve than the key")
        reader.finish()
    return key_file
