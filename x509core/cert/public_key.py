"""SubjectPublicKeyInfo of any algorithm: RSA and EC keys become key objects, others are kept
as read.

RFC 5280 §4.1.2.7::

    SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }

rsaEncryption and id-RSASSA-PSS keys become :class:`~x509core.rsa.key.RSAPublicKey`;
id-ecPublicKey keys on a named curve x509core implements (P-256, P-384, P-521; RFC 5480 §2.1.1)
become :class:`~x509core.ec.key.ECPublicKey`, their point validated (NIST SP 800-56A Rev. 3
§5.6.2.3.3). Other keys (Ed25519, DSA, EC keys with specifiedCurve, implicitCurve or another
named curve, …) parse and print as an :class:`UnsupportedPublicKey`; an operation on one raises
``UnsupportedAlgorithm`` saying why. The key inside the BIT STRING is a payload, like an
extnValue: a reader that collects findings keeps a key of a known algorithm that does not read
(a truncated RSAPublicKey, an EC point off its curve) as an :class:`UnreadablePublicKey` and
reports why; path validation refuses it as ``invalid_key``. A strict reader refuses the
certificate. ``PublicKeyInfo.subject_public_key`` keeps the BIT STRING's exact octets (a
compressed EC point stays compressed): SKI method 1 (RFC 5280 §4.2.1.2) hashes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core import pem
from x509core.cert._parsed import maker
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der import tags
from x509core.der.header import read_header, short_header
from x509core.der.oid import decode_oid_content
from x509core.der.findings import ERROR, Finding, split_message
from x509core.ec.curves import OID_EC_PUBLIC_KEY
from x509core.ec.key import ECPublicKey
from x509core.ec import keys as ec_keys
from x509core.ec.keys import read_subject_public_key_info as read_ec_subject_public_key_info
from x509core.ec.keys import write_subject_public_key_info as write_ec_subject_public_key_info
from x509core.errors import DecodeError, InvalidValue, UnsupportedAlgorithm, X509CoreError
from x509core.rsa.algorithms import OID_RSA_ENCRYPTION, OID_RSASSA_PSS, PssParameters
from x509core.rsa.key import RSAPublicKey
from x509core.rsa import keys as rsa_keys
from x509core.rsa.keys import read_subject_public_key_info, rsa_public_key_der
from x509core.rsa.keys import write_subject_public_key_info as write_rsa_subject_public_key_info

__all__ = ["UnsupportedPublicKey", "UnreadablePublicKey", "PublicKeyInfo", "read_public_key_info",
           "KEY_ALGORITHM_NAMES", "write_public_key_info", "subject_public_key_octets",
           "key_description", "load_der_public_key", "load_pem_public_key"]

KEY_ALGORITHM_NAMES = {
    "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.2.840.113549.1.1.10": "rsassaPss",
    "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.3.101.112": "ED25519",
    "1.3.101.113": "ED448",
    "1.2.840.10040.4.1": "dsaEncryption",
    "1.3.101.110": "X25519",
    "1.3.101.111": "X448",
}
_ABSENT_PARAMETERS = frozenset({"1.3.101.110", "1.3.101.111", "1.3.101.112", "1.3.101.113"})


@dataclass(frozen=True, slots=True)
class UnsupportedPublicKey:
    """A public key of an algorithm x509core does not implement, kept byte for byte."""

    algorithm: ObjectIdentifier
    parameters: bytes            # the DER of AlgorithmIdentifier.parameters, or b"" when absent
    subject_public_key: bytes    # the BIT STRING's octets (unused bits must be 0)
    reason: str = ""             # why a known algorithm's key is not supported, if it is known

    @property
    def algorithm_name(self) -> str:
        return KEY_ALGORITHM_NAMES.get(self.algorithm, self.algorithm)

    def verify(self, *args, **kwargs) -> None:
        why = f" ({self.reason})" if self.reason else ""
        raise UnsupportedAlgorithm(f"unsupported algorithm: cannot verify with a key of "
                                   f"algorithm {self.algorithm_name}{why}")


@dataclass(frozen=True, slots=True)
class UnreadablePublicKey(UnsupportedPublicKey):
    """A public key of a known algorithm whose encoding does not read; ``error`` says why."""

    error: str = ""

    def verify(self, *args, **kwargs) -> None:
        raise InvalidValue(f"the {self.algorithm_name} public key does not read: {self.error}")


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """A parsed SubjectPublicKeyInfo: the key, its algorithm, and the exact bytes."""

    key: RSAPublicKey | ECPublicKey | UnsupportedPublicKey
    algorithm: ObjectIdentifier
    pss_parameters: PssParameters | None          # an id-RSASSA-PSS key's restriction, if any
    raw: bytes                                    # the whole SubjectPublicKeyInfo DER
    subject_public_key: bytes                     # the BIT STRING's octets (for SKI method 1)


def write_public_key_info(w: Writer, key) -> None:
    """The SubjectPublicKeyInfo of an RSA key (rsaEncryption, NULL parameters: RFC 3279 §2.3.1)
    or an EC key (id-ecPublicKey, its namedCurve, the point uncompressed: RFC 5480 §2)."""
    if isinstance(key, RSAPublicKey):
        write_rsa_subject_public_key_info(w, key)
    elif isinstance(key, ECPublicKey):
        write_ec_subject_public_key_info(w, key)
    else:
        raise TypeError(f"expected an RSAPublicKey or ECPublicKey, not {type(key).__name__}")


def subject_public_key_octets(key) -> bytes:
    """The subjectPublicKey BIT STRING's octets that :func:`write_public_key_info` writes: the
    RSAPublicKey DER (RFC 3279 §2.3.1) or the uncompressed ECPoint (RFC 5480 §2.2)."""
    if isinstance(key, RSAPublicKey):
        return rsa_public_key_der(key)
    if isinstance(key, ECPublicKey):
        return key.to_encoded_point()
    raise TypeError(f"expected an RSAPublicKey or ECPublicKey, not {type(key).__name__}")


def key_description(key) -> str:
    """``RSA-2048``, ``EC P-256``, or the algorithm name of a key x509core does not implement
    (what the inventory's key_algorithm column and the CLI show)."""
    if isinstance(key, RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, ECPublicKey):
        return f"EC {key.curve.nist_name}"
    if isinstance(key, UnsupportedPublicKey):
        return str(key.algorithm_name)
    raise TypeError(f"not a public key: {type(key).__name__}")


def load_der_public_key(data: bytes) -> RSAPublicKey | ECPublicKey:
    """An RSA or EC public key from SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7; RFC 3279
    §2.3.1, RFC 4055 §1.2 and RFC 5480 §2 for the algorithms), or a bare PKCS #1 RSAPublicKey.
    The key's type follows its algorithm; any other algorithm (or an EC curve x509core does not
    implement) raises UnsupportedAlgorithm naming it."""
    probe = Reader(data).read_sequence("publicKey")
    if probe.peek_is(tags.INTEGER):                          # RSAPublicKey (RFC 8017 §A.1.1)
        return rsa_keys.load_der_public_key(data)
    algorithm = probe.read_sequence("algorithm").read_oid("algorithm")
    if algorithm in (OID_RSA_ENCRYPTION, OID_RSASSA_PSS):
        return rsa_keys.load_der_public_key(data)
    if algorithm == OID_EC_PUBLIC_KEY:
        return ec_keys.load_der_public_key(data)
    name = KEY_ALGORITHM_NAMES.get(algorithm)
    raise UnsupportedAlgorithm(f"unsupported public key algorithm {algorithm}"
                               + (f" ({name})" if name else "") + ": RSA and EC keys are supported")


def load_pem_public_key(data: str | bytes) -> RSAPublicKey | ECPublicKey:
    """An RSA or EC public key from a ``PUBLIC KEY`` (RFC 7468 §13) or ``RSA PUBLIC KEY`` PEM
    block, as :func:`load_der_public_key` reads it."""
    _, der = pem.decode_one(data, ("PUBLIC KEY", "RSA PUBLIC KEY"))
    return load_der_public_key(der)


def read_public_key_info(r: Reader, name: str = "subjectPublicKeyInfo") -> PublicKeyInfo:
    info = _read_rsa_public_key_info(r, name)
    # Not RSA, or an error to report exactly as the general reading reports it.
    return _read_any_public_key_info(r, name) if info is None else info


def _read_rsa_public_key_info(r: Reader, name: str) -> PublicKeyInfo | None:
    """A valid RSA SubjectPublicKeyInfo, read once (a fast path); None (nothing read) otherwise,
    including when the key has a departure to report (the general reading reports it)."""
    start = r.pos
    if r.depth + 4 <= r.max_depth:
        info = _plain_rsa_key_info(r.data, start, r.end)
        if info is not None:
            r.pos = start + len(info.raw)
            return info
    fast = r.strict_fork()
    try:
        key, pss = read_subject_public_key_info(fast, name)
    except X509CoreError:
        return None
    r.pos = fast.pos
    return _key_info(r.data, start, r.pos, key, pss)


# AlgorithmIdentifier { rsaEncryption, NULL } (RFC 3279 §2.3.1), as nearly every RSA key has it.
_RSA_ENCRYPTION = bytes.fromhex("300d06092a864886f70d0101010500")
_RSA_OID = decode_oid_content(_RSA_ENCRYPTION, 4, 13, ())


def _plain_rsa_key_info(data: bytes, start: int, end: int) -> PublicKeyInfo | None:
    """The commonest SubjectPublicKeyInfo read straight from the octets: rsaEncryption with
    NULL, then a BIT STRING (no unused bits) holding RSAPublicKey { n, e }, every length in its
    minimal form and every INTEGER minimal, and a key the RSAPublicKey constructor accepts.
    None for anything else, which the general reading reads (or reports, or refuses)."""
    spki = _der_bounds(data, start, end, 0x30)
    if spki is None or not data.startswith(_RSA_ENCRYPTION, spki[0]):
        return None
    bits = _der_bounds(data, spki[0] + 15, spki[1], 0x03)
    if bits is None or bits[1] != spki[1] or bits[0] == bits[1] or data[bits[0]] != 0:
        return None
    key = _der_bounds(data, bits[0] + 1, bits[1], 0x30)
    n = key and _der_bounds(data, key[0], key[1], 0x02)
    e = n and _der_bounds(data, n[1], key[1], 0x02)
    if not e or key[1] != bits[1] or e[1] != key[1] or not _minimal(data, *n) \
            or not _minimal(data, *e):
        return None
    try:
        public = RSAPublicKey(int.from_bytes(data[n[0]:n[1]], "big", signed=True),
                              int.from_bytes(data[e[0]:e[1]], "big", signed=True))
    except InvalidValue:
        return None
    # PublicKeyInfo has no __post_init__: the maker sets the fields __init__ would.
    return _new_public_key_info(public, _RSA_OID, None, data[start:spki[1]], data[bits[0] + 1:bits[1]])


_new_public_key_info = maker(PublicKeyInfo)


def _der_bounds(data: bytes, pos: int, end: int, identifier: int) -> tuple[int, int] | None:
    """Content bounds of the element at ``pos`` when its identifier octet is ``identifier`` and
    its length is in the minimal short, one- or two-octet form (X.690 §10.1) and fits; else
    None."""
    if pos + 2 > end or data[pos] != identifier:
        return None
    first = data[pos + 1]
    if first < 0x80:
        content, length = pos + 2, first
    elif first == 0x81 and pos + 3 <= end and data[pos + 2] >= 0x80:
        content, length = pos + 3, data[pos + 2]
    elif first == 0x82 and pos + 4 <= end and data[pos + 2]:
        content, length = pos + 4, data[pos + 2] << 8 | data[pos + 3]
    else:
        return None
    return (content, content + length) if content + length <= end else None


def _minimal(data: bytes, start: int, end: int) -> bool:
    """A non-empty INTEGER in the fewest octets (X.690 §8.3.2)."""
    if start == end:
        return False
    return end - start == 1 or not (data[start] == 0 and data[start + 1] < 0x80
                                    or data[start] == 0xFF and data[start + 1] >= 0x80)


def _key_info(data: bytes, start: int, end: int, key, pss=None) -> PublicKeyInfo:
    """The PublicKeyInfo of the RSA or EC SubjectPublicKeyInfo ``data[start:end]``, already
    read strictly: its parts found from the headers."""
    spki_start, spki_end = _contents(data, start, end)
    algorithm_start, algorithm_end = _contents(data, spki_start, spki_end)
    oid_start, oid_end = _contents(data, algorithm_start, algorithm_end)
    bits_start, bits_end = _contents(data, algorithm_end, spki_end)
    oid = decode_oid_content(data, oid_start, oid_end, ())
    # The BIT STRING's octets after its unused-bits octet (0, checked by the reading).
    return PublicKeyInfo(key, oid, pss, data[start:end], data[bits_start + 1:bits_end])


def _contents(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """The content bounds of the (already checked) element at ``pos``."""
    return short_header(data, pos, end) or read_header(data, pos, end, ())[2:]


def _read_any_public_key_info(r: Reader, name: str) -> PublicKeyInfo:
    start = r.pos
    head = r.strict_fork().read_sequence(name)          # headers only: nothing to report there
    oid = head.read_sequence("algorithm").read_oid("algorithm")
    problem = None
    if oid in (OID_RSA_ENCRYPTION, OID_RSASSA_PSS, OID_EC_PUBLIC_KEY):
        read = _read_rsa_key if oid != OID_EC_PUBLIC_KEY else _read_ec_key
        result = read(r, name, start)
        if isinstance(result, PublicKeyInfo):
            return result
        problem = result
    seq = r.read_sequence(name)
    alg = seq.read_sequence("algorithm")
    alg.read_oid("algorithm")
    parameters = alg.data[alg.pos:alg.end]
    if not alg.at_end:
        parameters_start = alg.pos
        alg.read_any("parameters")
        if oid in _ABSENT_PARAMETERS:
            # RFC 8410 §3: "the parameters MUST be absent".
            alg.report(DecodeError, f"{KEY_ALGORITHM_NAMES.get(oid, oid)} parameters MUST be absent",
                       "RFC 8410 §3", parameters_start)
    alg.finish()
    bits = seq.read_bit_string("subjectPublicKey")
    seq.finish()
    if bits.unused_bits:
        # Every public key format of RFC 3279, RFC 5480 and RFC 8410 is a whole number of octets.
        seq.report(DecodeError, f"{KEY_ALGORITHM_NAMES.get(oid, oid)} subjectPublicKey with "
                   f"{bits.unused_bits} unused bits", "RFC 5280 §4.1.2.7", seq.element_start)
    if isinstance(problem, DecodeError):
        reason, clause = split_message(problem.reason)
        r.findings.append(Finding(ERROR, f"public key does not read: {reason}", clause,
                                  problem.offset, problem.path, type(problem)))
        key = UnreadablePublicKey(oid, parameters, bits.data, error=str(problem))
    elif isinstance(problem, UnsupportedAlgorithm):
        key = UnsupportedPublicKey(oid, parameters, bits.data, str(problem))
    else:
        key = UnsupportedPublicKey(oid, parameters, bits.data)
    return PublicKeyInfo(key, oid, None, r.data[start:r.pos], bits.data)


def _read_rsa_key(r: Reader, name: str, start: int):
    """An RSA SubjectPublicKeyInfo read as such: its PublicKeyInfo, or — when ``r`` collects
    findings — the DecodeError (or UnsupportedAlgorithm) that reading it raised, nothing read
    and no finding left behind. A strict reader raises the DecodeError."""
    findings = r.findings
    if findings is None:
        key, pss = read_subject_public_key_info(r, name)
    else:
        mark, probe = len(findings), r.fork()
        try:
            key, pss = read_subject_public_key_info(probe, name)
        except (DecodeError, UnsupportedAlgorithm) as exc:
            del findings[mark:]
            return exc
        r.pos = probe.pos
    return _key_info(r.data, start, r.pos, key, pss)


def _read_ec_key(r: Reader, name: str, start: int):
    """An EC SubjectPublicKeyInfo read as such (RFC 5480 §2): its PublicKeyInfo; or the
    UnsupportedAlgorithm of a curve x509core does not implement (specifiedCurve, implicitCurve,
    another named curve: readable, so never a finding and never refused, even by a strict
    reader); or — when ``r`` collects findings — the DecodeError that reading it raised (a
    point off the curve, say), nothing read and no finding left behind. A strict reader raises
    the DecodeError."""
    findings = r.findings
    mark, probe = (0 if findings is None else len(findings)), r.fork()
    try:
        key = read_ec_subject_public_key_info(probe, name)
    except UnsupportedAlgorithm as exc:
        if findings is not None:
            del findings[mark:]
        return exc
    except DecodeError as exc:
        if findings is None:
            raise
        del findings[mark:]
        return exc
    r.pos = probe.pos
    return _key_info(r.data, start, r.pos, key)
