"""PKCS#12 (PFX) files for a certificate and its key, as Windows PACS workstations and browsers
import them. RFC 7292 §4, §4.1, §4.2 (with RFC 5652 §6 for EncryptedData)::

    PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
    MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    AuthenticatedSafe ::= SEQUENCE OF ContentInfo   -- id-data, or id-encryptedData
    SafeContents ::= SEQUENCE OF SafeBag
    SafeBag ::= SEQUENCE { bagId BAG-TYPE.&id, bagValue [0] EXPLICIT BAG-TYPE.&Type,
                           bagAttributes SET OF PKCS12Attribute OPTIONAL }
    CertBag ::= SEQUENCE { certId BAG-TYPE.&id, certValue [0] EXPLICIT BAG-TYPE.&Type }

What we write is what ``openssl pkcs12 -export`` writes by default since OpenSSL 3.0, so OpenSSL 3
reads it without ``-legacy`` (the tests check the OpenSSL CLI and pyca/cryptography; current
Windows versions import this AES/SHA-256 form too, which the tests cannot check here):

* the certificates in one SafeContents inside EncryptedData, and the key in a
  pkcs8ShroudedKeyBag (an EncryptedPrivateKeyInfo), both with PBES2: PBKDF2-HMAC-SHA256 and
  AES-256-CBC (RFC 8018 §6.2, :mod:`x509core.rsa.pbes2`), fresh salt and IV each. The key is an
  RSA key, or an EC key file (:class:`~x509core.ca.keys.OpaqueECPrivateKey`) whose PKCS#8
  octets are encrypted as they are, never computed with;
* the MAC: HMAC-SHA-256 over the AuthenticatedSafe octets, keyed with the PKCS#12 key
  derivation of RFC 7292 Appendix B.2 (ID 3, SHA-256).

The password: PBES2 uses its UTF-8 octets (as OpenSSL does); the Appendix B KDF uses it as a
BMPString with two zero octets at the end (RFC 7292 Appendix B.1). Every stage uses the same
iteration count (default 600,000, as our encrypted keys): a weaker MAC would let an attacker
test passwords cheaply against the MAC instead of the encryption. localKeyId (the SHA-256 of
the leaf certificate, an identifier only) pairs the key with its certificate.

:func:`load_pkcs12` reads what :func:`export_pkcs12` writes (DER, PBES2, a SHA-2 HMAC): it is
for round-trip checks and for moving our own files, not a general PKCS#12 reader (BER files
from Windows and the legacy RC2/3DES ciphers are refused with UnsupportedAlgorithm). The key
comes back as :func:`x509core.ca.keys.load_der_private_key` reads it: an RSAPrivateKey, or an
OpaqueECPrivateKey whose PKCS#8 octets are those of the file. The leaf is the certificate whose
public key the private key matches (and, when the key bag has a localKeyId, whose bag has the
same one); an EC key that does not carry its public key (RFC 5915 §3 makes it optional) is paired
by localKeyId alone, and refused without one, since nothing else ties it to a certificate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Sequence

from x509core.ca.keys import OpaqueECPrivateKey, key_matches, load_der_private_key
from x509core.cert import Certificate, load_der_certificate
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.errors import InvalidValue, UnsupportedAlgorithm
from x509core.rsa import pbes2
from x509core.rsa.key import RSAPrivateKey
from x509core.rsa.keys import private_key_to_der

__all__ = ["export_pkcs12", "load_pkcs12", "PKCS12Contents", "pkcs12_kdf", "DEFAULT_ITERATIONS",
           "PKCS12DecryptionFailed"]

OID_DATA = ObjectIdentifier("1.2.840.113549.1.7.1")                  # pkcs-7 1
OID_ENCRYPTED_DATA = ObjectIdentifier("1.2.840.113549.1.7.6")        # pkcs-7 6
OID_PKCS8_SHROUDED_KEY_BAG = ObjectIdentifier("1.2.840.113549.1.12.10.1.2")  # bagtypes 2
OID_CERT_BAG = ObjectIdentifier("1.2.840.113549.1.12.10.1.3")        # bagtypes 3
OID_X509_CERTIFICATE = ObjectIdentifier("1.2.840.113549.1.9.22.1")   # certTypes 1
OID_FRIENDLY_NAME = ObjectIdentifier("1.2.840.113549.1.9.20")        # pkcs-9 20
OID_LOCAL_KEY_ID = ObjectIdentifier("1.2.840.113549.1.9.21")         # pkcs-9 21
_MAC_HASHES = {ObjectIdentifier("2.16.840.1.101.3.4.2.1"): "sha256",  # id-sha256
               ObjectIdentifier("2.16.840.1.101.3.4.2.2"): "sha384",  # id-sha384
               ObjectIdentifier("2.16.840.1.101.3.4.2.3"): "sha512"}  # id-sha512
_MAC_OID = {name: oid for oid, name in _MAC_HASHES.items()}
DEFAULT_ITERATIONS = pbes2.DEFAULT_ITERATIONS
_MAX_ITERATIONS = 10_000_000             # as pbes2: a hostile file must not make us spin
_SALT_OCTETS = 16
_BMP = 30


class PKCS12DecryptionFailed(pbes2.DecryptionFailed):
    """Wrong password or a corrupt file (one message for both)."""


@dataclass(frozen=True)
class PKCS12Contents:
    """What a PFX holds: the key, its certificate, the other certificates, the friendly name."""

    private_key: RSAPrivateKey | OpaqueECPrivateKey
    certificate: Certificate
    chain: tuple[Certificate, ...]
    friendly_name: str | None


def pkcs12_kdf(password: bytes, salt: bytes, purpose: int, iterations: int, length: int,
               hash_name: str = "sha256") -> bytes:
    """The PKCS#12 key derivation, RFC 7292 Appendix B.2. ``password`` is already the BMPString
    with its two zero octets (Appendix B.1); ``purpose`` is the ID: 1 key, 2 IV, 3 MAC key."""
    new = getattr(hashlib, hash_name)                                  # sha256, sha384, ...
    u, v = new().digest_size, new().block_size
    d = bytes([purpose]) * v                                           # step 1
    s = _fill(salt, v)                                                 # step 2
    p = _fill(password, v)                                             # step 3
    i = bytearray(s + p)                                               # step 4
    out = b""
    for _ in range(-(-length // u)):                                   # steps 5-6: c blocks
        a = new(d + bytes(i)).digest()                                 # 6A: H^r(D || I)
        for _ in range(iterations - 1):
            a = new(a).digest()
        b = int.from_bytes(_fill(a, v), "big")                         # 6B
        for j in range(0, len(i), v):                                  # 6C: I_j += B + 1
            block = (int.from_bytes(i[j:j + v], "big") + b + 1) % (1 << (8 * v))
            i[j:j + v] = block.to_bytes(v, "big")
        out += a
    return out[:length]                                                # step 7


def _fill(data: bytes, v: int) -> bytes:
    """Copies of ``data`` to fill v * ceil(len(data) / v) octets (the last copy cut short)."""
    if not data:
        return b""
    size = v * -(-len(data) // v)
    return (data * (size // len(data) + 1))[:size]


def _passwords(password: bytes | str) -> tuple[bytes, bytes]:
    """(the UTF-8 octets for PBES2, the BMPString + 00 00 for the Appendix B KDF)."""
    if isinstance(password, str):
        text = password
    elif isinstance(password, (bytes, bytearray)):
        try:
            text = bytes(password).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidValue("the PKCS#12 password must be UTF-8 text") from None
    else:
        raise TypeError("password must be bytes or str")
    if not text:
        raise InvalidValue("an empty password does not protect a PKCS#12 file")
    return text.encode("utf-8"), text.encode("utf-16-be") + b"\x00\x00"


def _check_iterations(iterations: int) -> int:
    if not isinstance(iterations, int) or isinstance(iterations, bool):
        raise TypeError("iterations must be an int")
    if not 1 <= iterations <= _MAX_ITERATIONS:
        raise InvalidValue(f"iterations must be in 1..{_MAX_ITERATIONS}")
    return iterations


# -- writing --------------------------------------------------------------------------------

def export_pkcs12(certificate: Certificate, private_key: RSAPrivateKey | OpaqueECPrivateKey, *,
                  password: bytes | str, chain: Sequence[Certificate] = (),
                  friendly_name: str | None = None,
                  iterations: int = DEFAULT_ITERATIONS) -> bytes:
    """A PFX (DER) holding ``private_key``, its ``certificate`` and the ``chain`` (issuers,
    leaf first excluded), encrypted and MACed under ``password`` as the module docstring says."""
    if not all(isinstance(c, Certificate) for c in (certificate, *chain)):
        raise TypeError("certificate and chain must be x509core Certificates")
    if not isinstance(private_key, (RSAPrivateKey, OpaqueECPrivateKey)):
        raise TypeError("private_key must be an x509core RSAPrivateKey or OpaqueECPrivateKey")
    if not key_matches(private_key, certificate.public_key):
        # An EC file without its public key (None) is refused too: nothing here can check it.
        raise InvalidValue("the private key does not match the certificate's public key")
    utf8, bmp = _passwords(password)
    _check_iterations(iterations)
    local_key_id = hashlib.sha256(certificate.to_der()).digest()
    attributes = _attributes(local_key_id, friendly_name)
    certs = _safe_contents([_cert_bag(certificate, attributes)] +
                           [_cert_bag(c, b"") for c in chain])
    info = private_key.private_key_info if isinstance(private_key, OpaqueECPrivateKey) else \
        private_key_to_der(private_key)
    shrouded = pbes2.encrypt_private_key_info(info, utf8, iterations=iterations)
    keys = _safe_contents([_safe_bag(OID_PKCS8_SHROUDED_KEY_BAG, shrouded, attributes)])
    w = Writer()
    with w.sequence():                                                 # AuthenticatedSafe
        _write_encrypted_data(w, certs, utf8, iterations)
        _write_data(w, keys)
    auth_safe = w.to_bytes()
    return _pfx(auth_safe, bmp, iterations)


def _attributes(local_key_id: bytes, friendly_name: str | None) -> bytes:
    w = Writer()
    with w.set_of():                                                   # bagAttributes
        if friendly_name is not None:
            if not isinstance(friendly_name, str):
                raise TypeError("friendly_name must be a str")
            with w.sequence():
                w.write_oid(OID_FRIENDLY_NAME)
                with w.set_of():
                    w.write_string(friendly_name, _BMP)               # PKCS #9: BMPString
        with w.sequence():
            w.write_oid(OID_LOCAL_KEY_ID)
            with w.set_of():
                w.write_octet_string(local_key_id)
    return w.to_bytes()


def _safe_bag(bag_id: ObjectIdentifier, value: bytes, attributes: bytes) -> bytes:
    w = Writer()
    with w.sequence():
        w.write_oid(bag_id)
        with w.explicit(0):
            w.write_raw(value)
        if attributes:
            w.write_raw(attributes)
    return w.to_bytes()


def _cert_bag(certificate: Certificate, attributes: bytes) -> bytes:
    w = Writer()
    with w.sequence():                                                 # CertBag
        w.write_oid(OID_X509_CERTIFICATE)
        with w.explicit(0):
            w.write_octet_string(certificate.to_der())
    return _safe_bag(OID_CERT_BAG, w.to_bytes(), attributes)


def _safe_contents(bags: list[bytes]) -> bytes:
    w = Writer()
    with w.sequence():                                                 # SafeContents
        for bag in bags:
            w.write_raw(bag)
    return w.to_bytes()


def _write_data(w: Writer, content: bytes) -> None:
    with w.sequence():                                                 # ContentInfo
        w.write_oid(OID_DATA)
        with w.explicit(0):
            w.write_octet_string(content)


def _write_encrypted_data(w: Writer, content: bytes, password: bytes, iterations: int) -> None:
    # PBES2 over the SafeContents: the same AlgorithmIdentifier and ciphertext that an
    # EncryptedPrivateKeyInfo carries, placed in RFC 5652 §6.1 EncryptedContentInfo.
    encrypted = Reader(pbes2.encrypt_private_key_info(content, password, iterations=iterations))
    seq = encrypted.read_sequence("EncryptedPrivateKeyInfo")
    algorithm, ciphertext = seq.read_any("encryptionAlgorithm"), seq.read_octet_string()
    with w.sequence():                                                 # ContentInfo
        w.write_oid(OID_ENCRYPTED_DATA)
        with w.explicit(0), w.sequence():                              # EncryptedData
            w.write_integer(0)                                         # version
            with w.sequence():                                         # EncryptedContentInfo
                w.write_oid(OID_DATA)
                w.write_raw(algorithm)
                w.write_implicit_primitive(0, ciphertext)              # [0] IMPLICIT OCTET STRING


def _mac(auth_safe: bytes, bmp_password: bytes, salt: bytes, iterations: int,
         hash_name: str = "sha256") -> bytes:
    size = hashlib.new(hash_name).digest_size
    key = pkcs12_kdf(bmp_password, salt, 3, iterations, size, hash_name)   # ID 3: MAC key
    return hmac.new(key, auth_safe, hash_name).digest()


def _pfx(auth_safe: bytes, bmp_password: bytes, iterations: int) -> bytes:
    salt = secrets.token_bytes(_SALT_OCTETS)
    w = Writer()
    with w.sequence():
        w.write_integer(3)                                             # version v3
        _write_data(w, auth_safe)
        with w.sequence():                                             # MacData
            with w.sequence():                                         # DigestInfo
                with w.sequence():
                    w.write_oid(_MAC_OID["sha256"])
                    w.write_null()
                w.write_octet_string(_mac(auth_safe, bmp_password, salt, iterations))
            w.write_octet_string(salt)
            w.write_integer(iterations)
    return w.to_bytes()


# -- reading (our own files) ----------------------------------------------------------------

def load_pkcs12(data: bytes, password: bytes | str) -> PKCS12Contents:
    """The key and certificates of a PFX that :func:`export_pkcs12` (or OpenSSL 3's defaults)
    wrote. The MAC is checked first; a wrong password or a changed file is
    :class:`PKCS12DecryptionFailed`."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("data must be bytes")
    utf8, bmp = _passwords(password)
    pfx = Reader(bytes(data)).read_sequence("PFX")
    if pfx.read_integer("version") != 3:
        raise InvalidValue("PFX version must be 3 (RFC 7292 §4)")
    auth_safe = _read_data(pfx.read_sequence("authSafe"))
    if pfx.at_end:
        raise UnsupportedAlgorithm("PKCS#12 file without a MAC: its integrity cannot be checked")
    _check_mac(pfx.read_sequence("macData"), auth_safe, bmp)
    pfx.finish()
    bags: list[tuple[ObjectIdentifier, Reader, dict]] = []
    contents = Reader(auth_safe).read_sequence("AuthenticatedSafe")
    while not contents.at_end:
        info = contents.read_sequence("ContentInfo")
        kind = info.fork().read_oid()
        plain = _read_data(info) if kind == OID_DATA else _read_encrypted_data(info, utf8)
        bags.extend(_read_safe_contents(plain))
    contents.finish()
    return _assemble(bags, utf8)


def _read_data(info: Reader) -> bytes:
    if info.read_oid("contentType") != OID_DATA:
        raise UnsupportedAlgorithm("PKCS#12 content is not id-data (public-key mode unsupported)")
    content = info.read_explicit(0, "content").read_octet_string("data")
    info.finish()
    return content


def _check_mac(mac_data: Reader, auth_safe: bytes, bmp: bytes) -> None:
    digest_info = mac_data.read_sequence("mac")
    algorithm = digest_info.read_sequence("digestAlgorithm")
    oid = algorithm.read_oid("algorithm")
    if not algorithm.at_end:
        algorithm.read_null("parameters")
    if oid not in _MAC_HASHES:
        raise UnsupportedAlgorithm(f"unsupported PKCS#12 MAC hash {oid} (SHA-256/384/512 only)")
    expected = digest_info.read_octet_string("digest")
    salt = mac_data.read_octet_string("macSalt")
    # iterations INTEGER DEFAULT 1 (RFC 7292 §4)
    iterations = _check_iterations(1 if mac_data.at_end else mac_data.read_integer("iterations"))
    mac_data.finish()
    if not hmac.compare_digest(_mac(auth_safe, bmp, salt, iterations, _MAC_HASHES[oid]), expected):
        raise PKCS12DecryptionFailed("cannot open the PKCS#12 file: wrong password or corrupt data")


def _read_encrypted_data(info: Reader, password: bytes) -> bytes:
    if info.read_oid("contentType") != OID_ENCRYPTED_DATA:
        raise UnsupportedAlgorithm("unsupported PKCS#12 content type")
    data = info.read_explicit(0, "content").read_sequence("EncryptedData")
    if data.read_integer("version") != 0:
        raise InvalidValue("EncryptedData version must be 0 (RFC 5652 §8)")
    eci = data.read_sequence("encryptedContentInfo")
    if eci.read_oid("contentType") != OID_DATA:
        raise UnsupportedAlgorithm("encrypted PKCS#12 content is not id-data")
    algorithm = eci.read_any("contentEncryptionAlgorithm")
    content = eci.read_implicit(0, False, "encryptedContent")
    ciphertext = bytes(content.data[content.pos:content.end])
    for reader in (eci, data, info):
        reader.finish()
    w = Writer()                                    # back into EncryptedPrivateKeyInfo's shape
    with w.sequence():
        w.write_raw(algorithm)
        w.write_octet_string(ciphertext)
    return pbes2.decrypt_private_key_info(w.to_bytes(), password)


def _read_safe_contents(plain: bytes) -> list[tuple[ObjectIdentifier, Reader, dict]]:
    bags = []
    safe = Reader(plain).read_sequence("SafeContents")
    while not safe.at_end:
        bag = safe.read_sequence("SafeBag")
        bag_id = bag.read_oid("bagId")
        value = bag.read_explicit(0, "bagValue")
        attributes = {}
        if not bag.at_end:
            attrs = bag.read_set("bagAttributes")
            while not attrs.at_end:
                attr = attrs.read_sequence("PKCS12Attribute")
                attr_id = attr.read_oid("attrId")          # before the value: read in order
                attributes[attr_id] = attr.read_set("attrValues")
                attr.finish()
        bag.finish()
        bags.append((bag_id, value, attributes))
    return bags


def _assemble(bags, password: bytes) -> PKCS12Contents:
    keys, certs = [], []
    for bag_id, value, attributes in bags:
        local_id = attributes.get(OID_LOCAL_KEY_ID)
        local_id = local_id.read_octet_string("localKeyId") if local_id is not None else None
        if bag_id == OID_PKCS8_SHROUDED_KEY_BAG:
            name = attributes.get(OID_FRIENDLY_NAME)
            keys.append((load_der_private_key(value.read_any("EncryptedPrivateKeyInfo"), password),
                         local_id, name.read_string("friendlyName") if name else None))
        elif bag_id == OID_CERT_BAG:
            cert_bag = value.read_sequence("CertBag")
            if cert_bag.read_oid("certId") != OID_X509_CERTIFICATE:
                raise UnsupportedAlgorithm("unsupported PKCS#12 certificate type (X.509 only)")
            der = cert_bag.read_explicit(0, "certValue").read_octet_string("certificate")
            certs.append((load_der_certificate(der), local_id))
        else:
            raise UnsupportedAlgorithm(f"unsupported PKCS#12 bag type {bag_id}")
    if len(keys) != 1:
        raise InvalidValue(f"expected one private key in the PKCS#12 file, found {len(keys)}")
    key, key_id, name = keys[0]
    leaf = [c for c, cid in certs if _is_leaf(key, key_id, c, cid)]
    if not leaf:
        raise InvalidValue("the PKCS#12 file holds no certificate for its private key")
    return PKCS12Contents(key, leaf[0], tuple(c for c, _ in certs if c is not leaf[0]), name)


def _is_leaf(key, key_id: bytes | None, cert: Certificate, cert_id: bytes | None) -> bool:
    """Whether ``cert`` is the key's certificate: the public keys match (and the localKeyIds,
    when the key has one); an EC key without its public key matches by localKeyId alone."""
    matches = key_matches(key, cert.public_key)
    if matches is None:
        return key_id is not None and cert_id == key_id
    return matches and (key_id is None or cert_id == key_id)
