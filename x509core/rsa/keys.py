"""RSA key formats: PKCS#1, PKCS#8 (plain and PBES2-encrypted) and SubjectPublicKeyInfo, DER and PEM.

RFC 8017 §A.1.1 and §A.1.2::

    RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    RSAPrivateKey ::= SEQUENCE { version Version, modulus INTEGER, publicExponent INTEGER,
        privateExponent INTEGER, prime1 INTEGER, prime2 INTEGER, exponent1 INTEGER,
        exponent2 INTEGER, coefficient INTEGER, otherPrimeInfos OtherPrimeInfos OPTIONAL }

RFC 5958 §2 (PKCS#8)::

    OneAsymmetricKey ::= SEQUENCE { version Version, privateKeyAlgorithm AlgorithmIdentifier,
        privateKey OCTET STRING, attributes [0] Attributes OPTIONAL, ...,
        [[2: publicKey [1] PublicKey OPTIONAL ]], ... }

RFC 5280 §4.1.2.7 (SubjectPublicKeyInfo)::

    SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }

The loaders detect the format from the structure (and from the PEM label) and return key objects
whose constructors check the key's consistency (``key.py``). Multi-prime keys are refused.
"""

from __future__ import annotations

from x509core import pem
from x509core.der import Reader, Writer
from x509core.der import tags
from x509core.der.findings import split_message
from x509core.errors import DecodeError, InvalidEncodedValue, InvalidValue, UnsupportedAlgorithm
from x509core.rsa import pbes2
from x509core.rsa.algorithms import (OID_RSA_ENCRYPTION, OID_RSASSA_PSS, PssParameters,
                                     read_pss_parameters)
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey, public_key_problem

__all__ = [
    "load_der_private_key", "load_pem_private_key", "load_der_public_key", "load_pem_public_key",
    "private_key_to_der", "private_key_to_pem", "public_key_to_der", "public_key_to_pem",
    "read_rsa_public_key", "read_subject_public_key_info", "write_subject_public_key_info",
    "rsa_public_key_der",
]

_PRIVATE_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY")
_PUBLIC_LABELS = ("PUBLIC KEY", "RSA PUBLIC KEY")


# -- public keys -------------------------------------------------------------------------------

def read_rsa_public_key(r: Reader, name: str = "RSAPublicKey") -> RSAPublicKey:
    """RSAPublicKey. A strict reader checks the key as the constructor does; a reader that
    collects findings keeps any key (:meth:`RSAPublicKey.unchecked`) and reports a broken RFC
    8017 §3.1 condition — its size is for the caller's policy to judge."""
    seq = r.read_sequence(name)
    start = seq.pos
    n, e = seq.read_integer("modulus"), seq.read_integer("publicExponent")
    seq.finish()
    if r.findings is None:
        return _checked(lambda: RSAPublicKey(n=n, e=e), start, seq.path)
    problem = public_key_problem(n, e)
    if problem is not None and "RFC 8017" in problem:
        seq.report(InvalidEncodedValue, *split_message(problem), start)
    return RSAPublicKey.unchecked(n, e)


def rsa_public_key_der(key: RSAPublicKey) -> bytes:
    w = Writer()
    with w.sequence():
        w.write_integer(key.n)
        w.write_integer(key.e)
    return w.to_bytes()


def _read_rsa_algorithm(alg: Reader, half: str) -> PssParameters | None:
    """The inside of an RSA key's AlgorithmIdentifier (SPKI or PKCS #8): rsaEncryption with NULL
    parameters (RFC 8017 §A.1: "shall" be NULL), or id-RSASSA-PSS with the PSS restriction it
    carries, None when absent (RFC 4055 §1.2). Other key types: UnsupportedAlgorithm."""
    start = alg.pos
    oid = alg.read_oid("algorithm")
    pss = None
    if oid == OID_RSA_ENCRYPTION:
        if alg.at_end:
            # RFC 3279 §2.3.1: "the parameters field MUST have ASN.1 type NULL for this
            # algorithm identifier" — a CA's rule; the key reads the same without it.
            alg.report(DecodeError, "rsaEncryption without its NULL parameters", "RFC 3279 §2.3.1",
                       alg.element_start)
        else:
            alg.read_null("parameters")
    elif oid == OID_RSASSA_PSS:
        pss = None if alg.at_end else read_pss_parameters(alg)
    else:
        raise UnsupportedAlgorithm(f"not an RSA {half} key (algorithm {oid} at byte {start})")
    alg.finish()
    return pss


def read_subject_public_key_info(r: Reader, name: str = "subjectPublicKeyInfo"
                                 ) -> tuple[RSAPublicKey, PssParameters | None]:
    """An RSA SubjectPublicKeyInfo: the key, and the PSS restriction of an id-RSASSA-PSS key
    (RFC 4055 §1.2: absent parameters mean no restriction). Other key types: UnsupportedAlgorithm."""
    seq = r.read_sequence(name)
    pss = _read_rsa_algorithm(seq.read_sequence("algorithm"), "public")
    key_reader = seq.read_bit_string_der("subjectPublicKey")
    key = read_rsa_public_key(key_reader)
    key_reader.finish()
    seq.finish()
    return key, pss


def write_subject_public_key_info(w: Writer, key: RSAPublicKey) -> None:
    with w.sequence():
        with w.sequence():
            w.write_oid(OID_RSA_ENCRYPTION)
            w.write_null()
        with w.bit_string_der():
            w.write_raw(rsa_public_key_der(key))


def load_der_public_key(data: bytes) -> RSAPublicKey:
    """An RSA public key from SubjectPublicKeyInfo or PKCS#1 RSAPublicKey DER."""
    reader = Reader(data)
    seq = Reader(data).read_sequence()
    if seq.peek_is(tags.SEQUENCE):
        key, _ = read_subject_public_key_info(reader)
    else:
        key = read_rsa_public_key(reader)
    reader.finish()
    return key


def load_pem_public_key(data: str | bytes) -> RSAPublicKey:
    label, der = pem.decode_one(data, _PUBLIC_LABELS)
    return load_der_public_key(der)


def public_key_to_der(key: RSAPublicKey) -> bytes:
    """SubjectPublicKeyInfo DER."""
    w = Writer()
    write_subject_public_key_info(w, key)
    return w.to_bytes()


def public_key_to_pem(key: RSAPublicKey) -> str:
    return pem.encode("PUBLIC KEY", public_key_to_der(key))


# -- private keys ------------------------------------------------------------------------------

def _read_rsa_private_key(r: Reader) -> RSAPrivateKey:
    seq = r.read_sequence("RSAPrivateKey")
    start = seq.pos
    version = seq.read_integer("version")
    if version != 0:
        # version 1 (multi) carries otherPrimeInfos; RFC 8017 §A.1.2. Not supported here.
        raise UnsupportedAlgorithm(f"RSAPrivateKey version {version}: multi-prime keys are not supported")
    names = ("n", "e", "d", "p", "q", "dp", "dq", "qinv")
    fields = ("modulus", "publicExponent", "privateExponent", "prime1", "prime2", "exponent1",
              "exponent2", "coefficient")
    values = {name: seq.read_integer(field) for name, field in zip(names, fields)}
    seq.finish()
    return _checked(lambda: RSAPrivateKey(**values), start, seq.path)


def _checked(build, offset: int, path: tuple[str, ...]):
    try:
        return build()
    except InvalidValue as exc:
        raise InvalidEncodedValue(str(exc), offset, path) from None


def _read_private_key_info(r: Reader) -> RSAPrivateKey:
    seq = r.read_sequence("PrivateKeyInfo")
    version = seq.read_integer("version")
    if version not in (0, 1):                          # RFC 5958 §2: v1(0), v2(1)
        raise DecodeError(f"unknown PrivateKeyInfo version {version} (RFC 5958 §2)", seq.pos, seq.path)
    _read_rsa_algorithm(seq.read_sequence("privateKeyAlgorithm"), "private")
    inner = seq.read_octet_string_der("privateKey")
    key = _read_rsa_private_key(inner)
    inner.finish()
    seq.read_optional(tags.context(0, True), "attributes")    # attributes are not interpreted
    seq.read_optional(tags.context(1, False), "publicKey")
    seq.finish()
    return key


def load_der_private_key(data: bytes, password: bytes | str | None = None) -> RSAPrivateKey:
    """An RSA private key from PKCS#8, encrypted PKCS#8 or PKCS#1 DER (detected)."""
    seq = Reader(data).read_sequence("privateKey")
    if seq.peek_is(tags.SEQUENCE):                                 # EncryptedPrivateKeyInfo
        data = pbes2.decrypt_private_key_info(data, password)
        try:
            return _load_plain(data)
        except DecodeError:
            raise pbes2.DecryptionFailed(
                "cannot decrypt the private key: wrong passphrase or corrupt data") from None
    if password is not None:
        raise InvalidValue("a passphrase was given but the private key is not encrypted")
    return _load_plain(data)


def _load_plain(data: bytes) -> RSAPrivateKey:
    reader = Reader(data)
    probe = Reader(data).read_sequence()
    probe.read_integer()
    key = _read_private_key_info(reader) if probe.peek_is(tags.SEQUENCE) else _read_rsa_private_key(reader)
    reader.finish()
    return key


def load_pem_private_key(data: str | bytes, password: bytes | str | None = None) -> RSAPrivateKey:
    label, der = pem.decode_one(data, _PRIVATE_LABELS)
    if label == "ENCRYPTED PRIVATE KEY" and password is None:
        raise InvalidValue("the private key is encrypted: a passphrase is required")
    return load_der_private_key(der, password)


def _rsa_private_key_der(key: RSAPrivateKey) -> bytes:
    w = Writer()
    with w.sequence():
        for value in (0, key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qinv):
            w.write_integer(value)
    return w.to_bytes()


def private_key_to_der(key: RSAPrivateKey, password: bytes | str | None = None, *,
                       format: str = "pkcs8", iterations: int = pbes2.DEFAULT_ITERATIONS) -> bytes:
    """PKCS#8 PrivateKeyInfo DER; EncryptedPrivateKeyInfo when a password is given;
    ``format="pkcs1"`` for a bare RSAPrivateKey (never encrypted)."""
    if format == "pkcs1":
        if password is not None:
            raise InvalidValue("PKCS#1 keys cannot be encrypted here; use PKCS#8")
        return _rsa_private_key_der(key)
    if format != "pkcs8":
        raise InvalidValue(f"unknown private key format {format!r} (pkcs8 or pkcs1)")
    w = Writer()
    with w.sequence():
        w.write_integer(0)
        with w.sequence():
            w.write_oid(OID_RSA_ENCRYPTION)
            w.write_null()
        w.write_octet_string(_rsa_private_key_der(key))
    info = w.to_bytes()
    if password is None:
        return info
    return pbes2.encrypt_private_key_info(info, password, iterations=iterations)


def private_key_to_pem(key: RSAPrivateKey, password: bytes | str | None = None, *,
                       format: str = "pkcs8", iterations: int = pbes2.DEFAULT_ITERATIONS) -> str:
    der = private_key_to_der(key, password, format=format, iterations=iterations)
    if format == "pkcs1":
        label = "RSA PRIVATE KEY"
    else:
        label = "ENCRYPTED PRIVATE KEY" if password is not None else "PRIVATE KEY"
    return pem.encode(label, der)
