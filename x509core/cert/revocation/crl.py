"""Certificate revocation lists: read, verify, build. RFC 5280 §5.1::

    CertificateList  ::=  SEQUENCE  {
         tbsCertList          TBSCertList,
         signatureAlgorithm   AlgorithmIdentifier,
         signatureValue       BIT STRING  }

    TBSCertList  ::=  SEQUENCE  {
         version                 Version OPTIONAL,
                                      -- if present, MUST be v2
         signature               AlgorithmIdentifier,
         issuer                  Name,
         thisUpdate              Time,
         nextUpdate              Time OPTIONAL,
         revokedCertificates     SEQUENCE OF SEQUENCE  {
              userCertificate         CertificateSerialNumber,
              revocationDate          Time,
              crlEntryExtensions      Extensions OPTIONAL
                                       -- if present, version MUST be v2
                                   }  OPTIONAL,
         crlExtensions           [0]  EXPLICIT Extensions OPTIONAL
                                       -- if present, version MUST be v2
                                   }
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from x509core import pem
from x509core.cert import oids
from x509core.cert.algorithms import SignatureAlgorithmInfo
from x509core.cert.builder import (check_serial_number, sign_with, signature_algorithm_for,
                                   subject_key_identifier_for)
from x509core.cert.certificate import (read_algorithm_identifier, read_outer_signature,
                                       verify_signed_bytes)
from x509core.cert.extensions import (AuthorityKeyIdentifier, CRLNumber, CRLReason, Extension,
                                      InvalidityDate, find_extension, read_extensions,
                                      write_extensions)
from x509core.cert.names.name import Name, read_name, write_name
from x509core.der import BitString, ObjectIdentifier, Reader, Writer
from x509core.der import tags
from x509core.der.findings import Finding
from x509core.der.time import to_utc
from x509core.errors import DecodeError, InvalidValue
from x509core.rsa.algorithms import SignatureAlgorithm, write_signature_algorithm
from x509core.rsa.key import RSAPrivateKey

__all__ = ["RevokedCertificate", "CertificateRevocationList", "CRLBuilder", "load_der_crl",
           "load_pem_crl"]


@dataclass(frozen=True, slots=True)
class RevokedCertificate:
    """One entry of revokedCertificates (RFC 5280 §5.1.2.6) with its entry extensions (§5.3)."""

    serial_number: int
    revocation_date: datetime
    extensions: tuple[Extension, ...] = ()

    def _value(self, oid):
        ext = next((e for e in self.extensions if e.oid == oid), None)
        return None if ext is None else ext.value

    @property
    def reason(self) -> str | None:
        """The CRLReason name (RFC 5280 §5.3.1), e.g. ``"keyCompromise"``; None when absent."""
        value = self._value(oids.OID_CRL_REASON)
        return None if value is None else value.reason_name

    @property
    def invalidity_date(self) -> datetime | None:
        value = self._value(oids.OID_INVALIDITY_DATE)
        return None if value is None else value.invalidity_date


@dataclass(frozen=True, slots=True, eq=False)
class CertificateRevocationList:
    raw: bytes
    raw_tbs: bytes
    version: int                               # 1 or 2
    issuer: Name
    this_update: datetime
    next_update: datetime | None
    revoked_certificates: tuple[RevokedCertificate, ...]
    extensions: tuple[Extension, ...]
    signature_algorithm: ObjectIdentifier
    signature_algorithm_info: SignatureAlgorithmInfo | None
    signature: bytes
    findings: tuple[Finding, ...] = ()         # readable departures (der/findings.py)

    def extension(self, oid: str) -> Extension | None:
        return find_extension(self.extensions, oid)

    @property
    def crl_number(self) -> int | None:
        ext = self.extension(oids.OID_CRL_NUMBER)
        return None if ext is None else ext.value.crl_number

    @property
    def authority_key_identifier(self):
        ext = self.extension(oids.OID_AUTHORITY_KEY_IDENTIFIER)
        return None if ext is None else ext.value

    def revoked(self, serial_number: int) -> RevokedCertificate | None:
        """The entry for ``serial_number``, or None when that serial is not on this list."""
        return next((r for r in self.revoked_certificates if r.serial_number == serial_number), None)

    def verify_signature(self, issuer_public_key) -> None:
        verify_signed_bytes(self.raw_tbs, self.signature, self.signature_algorithm,
                            self.signature_algorithm_info, issuer_public_key)

    def to_der(self) -> bytes:
        return self.raw

    def to_pem(self) -> str:
        return pem.encode("X509 CRL", self.raw)


def _read_entries(tbs: Reader, version: int) -> tuple[RevokedCertificate, ...]:
    if not tbs.peek_is(tags.SEQUENCE):
        return ()
    start = tbs.pos
    seq = tbs.read_sequence("revokedCertificates")
    if seq.at_end:
        # RFC 5280 §5.1.2.6: "When there are no revoked certificates, the revoked certificates
        # list MUST be absent."
        seq.report(DecodeError, "empty revokedCertificates", "RFC 5280 §5.1.2.6", start)
    entries = []
    while not seq.at_end:
        entry = seq.read_sequence("revokedCertificate")
        serial = entry.read_integer("userCertificate")
        date = entry.read_time("revocationDate")
        extensions = ()
        if not entry.at_end:
            if version != 2:
                entry.report(DecodeError, "crlEntryExtensions need a v2 CRL", "RFC 5280 §5.1.2.1")
            extensions_start = entry.pos
            extensions = read_extensions(entry)
            _check_invalidity_date(entry, extensions_start, extensions)
        entry.finish()
        entries.append(RevokedCertificate(serial, date, extensions))
    return tuple(entries)


def _check_invalidity_date(entry: Reader, start: int, extensions) -> None:
    """RFC 5280 §5.3.2: the invalidityDate's GeneralizedTime "MUST be specified and interpreted
    as defined in Section 4.1.2.5.2", which forbids fractional seconds. (InvalidityDate itself
    reads any DER GeneralizedTime; the CRL profile narrows it here.)"""
    for ext in extensions:
        if ext.oid == oids.OID_INVALIDITY_DATE and isinstance(ext.value, InvalidityDate) \
                and ext.value.invalidity_date.microsecond:
            entry.report(DecodeError, "invalidityDate MUST NOT have fractional seconds",
                         "RFC 5280 §5.3.2, §4.1.2.5.2", entry.data.find(ext.raw_value, start))


def _read_version(tbs: Reader) -> int:
    if not tbs.peek_is(tags.INTEGER):
        return 1
    start = tbs.pos
    version = tbs.read_integer("version")
    if version == 0:            # v1 written out: readable, but RFC 5280 says to omit it
        tbs.report(DecodeError, "CRL version, if present, MUST be v2", "RFC 5280 §5.1.2.1", start)
        return 1
    if version != 1:            # a later version could change what the fields after it mean
        raise DecodeError("CRL version, if present, MUST be v2 (RFC 5280 §5.1.2.1)", start, tbs.path)
    return 2


def _read_tbs(crl: Reader) -> dict:
    tbs = crl.read_sequence("tbsCertList")
    version = _read_version(tbs)
    fields = {"raw_tbs": tbs.element_bytes, "version": version}
    fields["inner_algorithm"] = read_algorithm_identifier(tbs, "signature")
    fields["issuer"] = read_name(tbs, "issuer")
    fields["this_update"] = tbs.read_time("thisUpdate")
    nxt = tbs.peek_tag()
    is_time = nxt is not None and nxt.tag_class == 0 and nxt.number in (23, 24)
    fields["next_update"] = tbs.read_time("nextUpdate") if is_time else None
    fields["revoked_certificates"] = _read_entries(tbs, version)
    extensions = ()
    field_start = tbs.pos
    explicit = tbs.read_optional_explicit(0, "crlExtensions")
    if explicit is not None:
        if version != 2:
            tbs.report(DecodeError, "crlExtensions need a v2 CRL", "RFC 5280 §5.1.2.1", field_start)
        extensions = read_extensions(explicit)
        explicit.finish()
    fields["extensions"] = extensions
    tbs.finish()
    return fields


def load_der_crl(data: bytes, *, strict: bool = False) -> CertificateRevocationList:
    """A CRL from its DER: refused where it cannot be read one way, readable departures in
    ``findings`` (or, with ``strict=True``, refused at the first), as for certificates."""
    findings: list | None = None if strict else []
    reader = Reader(data, findings=findings)
    crl = reader.read_sequence("certificateList")
    fields = _read_tbs(crl)
    _, oid, info, signature = read_outer_signature(
        crl, fields.pop("inner_algorithm"), "tbsCertList", "RFC 5280 §5.1.1.2")
    crl.finish()
    reader.finish()
    return CertificateRevocationList(raw=reader.data, signature_algorithm=oid,
                                     signature_algorithm_info=info, signature=signature,
                                     findings=tuple(findings or ()), **fields)


def load_pem_crl(data: str | bytes, *, strict: bool = False) -> CertificateRevocationList:
    _, der = pem.decode_one(data, "X509 CRL")
    return load_der_crl(der, strict=strict)


@dataclass(frozen=True)
class CRLBuilder:
    """Builds a v2 CRL with cRLNumber and authorityKeyIdentifier (RFC 5280 §5.2.1, §5.2.3 MUSTs).

    Immutable like :class:`~x509core.cert.builder.CertificateBuilder`: each ``with_*`` returns a
    new builder and sets its fields at most once; entries are added one ``with_revoked`` at a time.
    It builds complete CRLs only (no deltaCRLIndicator), so removeFromCRL is refused.
    """

    issuer: Name | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    crl_number: int | None = None
    revoked: tuple[RevokedCertificate, ...] = field(default=())

    def _set(self, **values) -> "CRLBuilder":
        for name in values:
            if getattr(self, name) is not None:
                raise InvalidValue(f"{name} is already set")
        return replace(self, **values)

    def with_issuer(self, name: Name) -> "CRLBuilder":
        if not isinstance(name, Name):
            raise TypeError(f"issuer must be a Name, not {type(name).__name__}")
        if not name.rdns:
            # RFC 5280 §5.1.2.3: "The issuer field MUST contain a non-empty X.500 distinguished name".
            raise InvalidValue("the CRL issuer MUST be a non-empty name (RFC 5280 §5.1.2.3)")
        return self._set(issuer=name)

    def with_update_times(self, this_update: datetime, next_update: datetime) -> "CRLBuilder":
        """thisUpdate and nextUpdate (RFC 5280 §5.1.2.4, §5.1.2.5: "Conforming CRL issuers MUST
        include the nextUpdate time in all CRLs"), in UTC, cut to whole seconds."""
        this_update, next_update = _whole_seconds(this_update), _whole_seconds(next_update)
        if next_update <= this_update:
            raise InvalidValue("nextUpdate must be later than thisUpdate (RFC 5280 §5.1.2.5)")
        return self._set(this_update=this_update, next_update=next_update)

    def with_crl_number(self, number: int) -> "CRLBuilder":
        return self._set(crl_number=CRLNumber(number).crl_number)

    def with_revoked(self, serial_number: int, revocation_date: datetime, *, reason: str | None = None,
                     invalidity_date: datetime | None = None) -> "CRLBuilder":
        """One more entry (RFC 5280 §5.1.2.6) with its reasonCode (§5.3.1) and invalidityDate
        (§5.3.2) entry extensions; ``reason`` is the ASN.1 name, e.g. ``"keyCompromise"``."""
        check_serial_number(serial_number)
        if any(r.serial_number == serial_number for r in self.revoked):
            raise InvalidValue(f"serial {serial_number:#x} is already on the list")
        extensions = []
        if reason == "removeFromCRL":
            # RFC 5280 §5.3.1: "The removeFromCRL (8) reasonCode value may only appear in delta
            # CRLs"; this builder makes complete CRLs only.
            raise InvalidValue("removeFromCRL may only appear in delta CRLs (RFC 5280 §5.3.1)")
        if reason is not None and reason != "unspecified":
            # RFC 5280 §5.3.1: "the reason code CRL entry extension SHOULD be absent instead of
            # using the unspecified (0) reasonCode value".
            extensions.append(Extension.from_value(CRLReason.from_name(reason), False))
        if invalidity_date is not None:
            extensions.append(Extension.from_value(InvalidityDate(_whole_seconds(invalidity_date)), False))
        entry = RevokedCertificate(serial_number, _whole_seconds(revocation_date), tuple(extensions))
        return replace(self, revoked=(*self.revoked, entry))

    def sign(self, issuer_key: RSAPrivateKey, hash_name: str = "sha256",
             padding: str = "pkcs1v15") -> CertificateRevocationList:
        """Encode, sign, read back and verify; the parsed CRL. The authorityKeyIdentifier is the
        issuer key's method-1 identifier, as in the certificates the same key signs."""
        if not isinstance(issuer_key, RSAPrivateKey):
            raise TypeError(f"sign with an RSAPrivateKey, not {type(issuer_key).__name__}")
        missing = [name for name in ("issuer", "this_update", "crl_number") if getattr(self, name) is None]
        if missing:
            raise InvalidValue(f"CRL is incomplete: set {', '.join(missing)}")
        ski = subject_key_identifier_for(issuer_key.public_key())
        aki = AuthorityKeyIdentifier(key_identifier=ski.key_identifier)
        algorithm = signature_algorithm_for(hash_name, padding)
        tbs = self._encode_tbs(algorithm, (Extension.from_value(aki, False),
                                           Extension.from_value(CRLNumber(self.crl_number), False)))
        w = Writer()
        with w.sequence():
            w.write_raw(tbs)
            write_signature_algorithm(w, algorithm)
            w.write_bit_string(BitString(sign_with(issuer_key, algorithm, tbs), 0))
        crl = load_der_crl(w.to_bytes(), strict=True)
        crl.verify_signature(issuer_key.public_key())
        return crl

    def _encode_tbs(self, algorithm: SignatureAlgorithm, extensions) -> bytes:
        w = Writer()
        with w.sequence():
            w.write_integer(1)                                  # v2
            write_signature_algorithm(w, algorithm)
            write_name(w, self.issuer)
            w.write_time(self.this_update)
            w.write_time(self.next_update)
            if self.revoked:
                with w.sequence():
                    for entry in self.revoked:
                        with w.sequence():
                            w.write_integer(entry.serial_number)
                            w.write_time(entry.revocation_date)
                            if entry.extensions:
                                write_extensions(w, entry.extensions)
            with w.explicit(0):
                write_extensions(w, extensions)
        return w.to_bytes()


def _whole_seconds(moment: datetime) -> datetime:
    return to_utc(moment).replace(microsecond=0)
