"""How OpenSSL 3 prints general names and OIDs in ``openssl x509 -text``, for the extension listings.

Two printers exist in OpenSSL and both are followed: ``i2v_GENERAL_NAME`` (crypto/x509/v3_san.c,
used for subjectAltName, issuerAltName, authorityKeyIdentifier, information access and
certificateIssuer) and ``GENERAL_NAME_print`` (same file, used for name constraints and CRL
distribution points). They differ for directoryName (``/C=US/O=Org`` against ``C = US, O = Org``)
and otherName.
"""

from __future__ import annotations

from x509core.cert.names.name import Name
from x509core.cert.names.name_text import openssl_type_name
from x509core.der import Reader

__all__ = ["openssl_object_name", "ascii_print", "openssl_ip", "x509_name_oneline",
           "other_name_text", "other_name_print"]

# OpenSSL's long names (crypto/objects/objects.txt) for the OIDs the extension listings print;
# any other OID prints in dotted form, as ``i2t_ASN1_OBJECT`` does for an OID it does not know.
_LONG_NAMES = {
    "1.3.6.1.5.5.7.3.1": "TLS Web Server Authentication",
    "1.3.6.1.5.5.7.3.2": "TLS Web Client Authentication",
    "1.3.6.1.5.5.7.3.3": "Code Signing",
    "1.3.6.1.5.5.7.3.4": "E-mail Protection",
    "1.3.6.1.5.5.7.3.8": "Time Stamping",
    "1.3.6.1.5.5.7.3.9": "OCSP Signing",
    "2.5.29.37.0": "Any Extended Key Usage",
    "2.5.29.32.0": "X509v3 Any Policy",
    "1.3.6.1.5.5.7.48.1": "OCSP",
    "1.3.6.1.5.5.7.48.2": "CA Issuers",
    "1.3.6.1.5.5.7.48.3": "AD Time Stamping",
    "1.3.6.1.5.5.7.48.5": "CA Repository",
    "1.3.6.1.5.5.7.2.1": "Policy Qualifier CPS",
    "1.3.6.1.5.5.7.2.2": "Policy Qualifier User Notice",
}

# otherName types OpenSSL prints by name, with the string type (first DER octet) it requires.
_OTHER_NAMES = {
    "1.3.6.1.4.1.311.20.2.3": ("UPN", 0x0C),
    "1.3.6.1.5.5.7.8.5": ("XmppAddr", 0x0C),
    "1.3.6.1.5.5.7.8.7": ("SRVName", 0x16),
    "1.3.6.1.5.5.7.8.8": ("NAIRealm", 0x0C),
    "1.3.6.1.5.5.7.8.9": ("SmtpUTF8Mailbox", 0x0C),
}

_ONELINE_LIMIT = 255        # v3_san.c prints into a 256-octet buffer, one octet for the NUL


def openssl_object_name(oid: str) -> str:
    """An OID as OpenSSL's ``i2t_ASN1_OBJECT`` prints it: its long name, else dotted."""
    return _LONG_NAMES.get(oid, str(oid))


def ascii_print(data: bytes) -> str:
    """Octets as OpenSSL's ``ASN1_STRING_print`` shows them: '.' for each non-printable octet.

    Deviation: OpenSSL passes CR and LF through; here they print as '.', so that a value never
    breaks the line structure of a listing.
    """
    return "".join(chr(b) if 0x20 <= b <= 0x7E else "." for b in data)


def openssl_ip(octets: bytes) -> str:
    """OpenSSL's ``ossl_ipaddress_to_asc``: dotted IPv4, or eight uncompressed hex groups."""
    if len(octets) == 4:
        return ".".join(str(b) for b in octets)
    if len(octets) == 16:
        return ":".join(f"{octets[i] << 8 | octets[i + 1]:X}" for i in range(0, 16, 2))
    return "<invalid>"


def x509_name_oneline(name: Name) -> str:
    """A Name as OpenSSL's ``X509_NAME_oneline`` writes it into v3_san.c's 256-octet buffer:
    ``/C=US/O=Example/CN=a+UID=b`` (``+`` joins the members of a multi-valued RDN), value octets
    outside 0x20..0x7E as ``\\xHH``; entries that no longer fit are left off, as OpenSSL does."""
    out = ""
    for rdn in name.rdns:
        for index, attribute in enumerate(rdn.attributes):
            _, value = Reader(attribute.raw).read_element("value")
            text = "".join(chr(b) if 0x20 <= b <= 0x7E else f"\\x{b:02X}"
                           for b in value.data[value.pos:value.end])
            entry = f"{'+' if index else '/'}{openssl_type_name(attribute.oid)}={text}"
            if len(out) + len(entry) > _ONELINE_LIMIT:
                return out
            out += entry
    return out


def _string_value(value_der: bytes, types: tuple[int, ...]) -> str | None:
    """The text of an otherName value that is one of the string ``types``, else None."""
    if value_der[0] not in types:
        return None
    return str(Reader(value_der).read_string("value", (value_der[0],)))


def other_name_text(type_id: str, value_der: bytes) -> str:
    """``i2v_GENERAL_NAME`` for otherName: ``othername: UPN::user@example``."""
    known = _OTHER_NAMES.get(type_id)
    value = _string_value(value_der, (known[1],) if known else (0x0C, 0x16))
    label = known[0] if known else openssl_object_name(type_id)
    return f"othername: {label}::{'<unsupported>' if value is None else value}"


def other_name_print(type_id: str, value_der: bytes) -> str:
    """``GENERAL_NAME_print`` for otherName: ``othername:UPN:user@example``."""
    known = _OTHER_NAMES.get(type_id)
    value = _string_value(value_der, (known[1],)) if known else None
    return "othername:<unsupported>" if value is None else f"othername:{known[0]}:{value}"
