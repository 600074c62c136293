"""Human-readable listings of certificates (like ``openssl x509 -text -noout``) and JSON forms.

The layout follows OpenSSL's (``openssl x509 -text -noout``, OpenSSL 3.0) line for line so that
an administrator can compare the two side by side; tests/cert/test_text.py holds the two equal.
Deliberate differences: the machine-binding extensions are named (OpenSSL shows their bare OIDs)
and their values shown as text; names are shown in UTF-8 (OpenSSL's default escapes octets above
0x7F as ``\\XX``; ``-nameopt oneline,-esc_msb`` prints what we print); and the lines around
RSASSA-PSS parameters lack the indentation blanks OpenSSL leaves at their ends.
"""

from __future__ import annotations

from datetime import datetime

from x509core.cert import oids
from x509core.cert.algorithms import SIGNATURE_ALGORITHM_NAMES
from x509core.cert.lint import lint
from x509core.cert.public_key import KEY_ALGORITHM_NAMES, UnsupportedPublicKey
from x509core.ec.key import ECPublicKey
from x509core.errors import X509CoreError
from x509core.rsa.key import RSAPublicKey

__all__ = ["certificate_text", "certificate_lines", "certificate_json", "extension_name",
           "SIGNATURE_NAMES", "hex_block", "format_time"]

SIGNATURE_NAMES = SIGNATURE_ALGORITHM_NAMES      # OID -> the name OpenSSL prints

_EXTENSION_NAMES = {
    oids.OID_BASIC_CONSTRAINTS: "X509v3 Basic Constraints",
    oids.OID_KEY_USAGE: "X509v3 Key Usage",
    oids.OID_EXTENDED_KEY_USAGE: "X509v3 Extended Key Usage",
    oids.OID_SUBJECT_KEY_IDENTIFIER: "X509v3 Subject Key Identifier",
    oids.OID_AUTHORITY_KEY_IDENTIFIER: "X509v3 Authority Key Identifier",
    oids.OID_SUBJECT_ALT_NAME: "X509v3 Subject Alternative Name",
    oids.OID_ISSUER_ALT_NAME: "X509v3 Issuer Alternative Name",
    oids.OID_NAME_CONSTRAINTS: "X509v3 Name Constraints",
    oids.OID_CERTIFICATE_POLICIES: "X509v3 Certificate Policies",
    oids.OID_POLICY_MAPPINGS: "X509v3 Policy Mappings",
    oids.OID_POLICY_CONSTRAINTS: "X509v3 Policy Constraints",
    oids.OID_INHIBIT_ANY_POLICY: "X509v3 Inhibit Any Policy",
    oids.OID_CRL_DISTRIBUTION_POINTS: "X509v3 CRL Distribution Points",
    oids.OID_AUTHORITY_INFO_ACCESS: "Authority Information Access",
    oids.OID_SUBJECT_INFO_ACCESS: "Subject Information Access",
    oids.OID_CRL_NUMBER: "X509v3 CRL Number",
    oids.OID_DELTA_CRL_INDICATOR: "X509v3 Delta CRL Indicator",
    oids.OID_ISSUING_DISTRIBUTION_POINT: "X509v3 Issuing Distribution Point",
    oids.OID_CRL_REASON: "X509v3 CRL Reason Code",
    oids.OID_INVALIDITY_DATE: "Invalidity Date",
    oids.OID_CERTIFICATE_ISSUER: "X509v3 Certificate Issuer",
    oids.OID_PKIX_OCSP_NOCHECK: "OCSP No Check",
    oids.OID_MACHINE_IDENTITY: "Machine Identity (1.3.6.1.4.15967132172.1)",
    oids.OID_MAC_ADDRESS: "MAC Address (1.3.6.1.4.15967132172.2)",
}


def extension_name(oid: str) -> str:
    return _EXTENSION_NAMES.get(oid, str(oid))


def format_time(value: datetime) -> str:
    """``Sep  9 11:17:02 2025 GMT``, as OpenSSL prints times."""
    return f"{value.strftime('%b')} {value.day:2d} {value.strftime('%H:%M:%S')} {value.year} GMT"


def hex_block(data: bytes, indent: int, per_line: int = 15) -> list[str]:
    """``00:ae:9f:…`` in lines of ``per_line`` octets, each line ending in ':' but the last."""
    pad = " " * indent
    text = [f"{b:02x}" for b in data]
    lines = [":".join(text[i:i + per_line]) for i in range(0, len(text), per_line)]
    return [pad + line + (":" if i < len(lines) - 1 else "") for i, line in enumerate(lines)]


def _serial_lines(serial: int) -> list[str]:
    """As OpenSSL's X509_print_ex: a serial that ASN1_INTEGER_get reads into a long (and that is
    not -1, its error value) as decimal and hex, any other as octets."""
    if -2**63 <= serial < 2**63 and serial != -1:
        sign = "-" if serial < 0 else ""
        return [f"        Serial Number: {sign}{abs(serial)} ({sign}{abs(serial):#x})"]
    sign = " (Negative)" if serial < 0 else ""
    magnitude = abs(serial)
    octets = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big")
    return ["        Serial Number:", "            " + sign + ":".join(f"{b:02x}" for b in octets)]


# OpenSSL's names in a PSS key's restrictions (providers' digest names) and in a PSS signature's
# parameters (short names); a DER PSS field equal to its DEFAULT is absent (X.690 §11.5), so
# these defaults are exactly the fields OpenSSL marks "(default)".
_PROVIDER_DIGESTS = {"sha1": "SHA1", "sha224": "SHA2-224", "sha256": "SHA2-256",
                     "sha384": "SHA2-384", "sha512": "SHA2-512"}


def _pss_signature_lines(pss) -> list[str]:
    """rsa_pss_param_print for a signature (OpenSSL crypto/rsa/rsa_ameth.c), indent 8."""
    pad = " " * 8
    hash_text = "sha1 (default)" if pss.hash_name == "sha1" else pss.hash_name
    mask = ("mgf1 with sha1 (default)" if pss.mgf1_hash_name == "sha1"
            else f"mgf1 with {pss.mgf1_hash_name}")
    salt = "14 (default)" if pss.salt_length == 20 else _hex_integer(pss.salt_length)
    return [f"{pad}Hash Algorithm: {hash_text}", f"{pad}Mask Algorithm: {mask}",
            f"{pad} Salt Length: 0x{salt}", f"{pad}Trailer Field: 0x01 (default)"]


def _hex_integer(value: int) -> str:
    """i2a_ASN1_INTEGER: the content octets in upper-case hex."""
    return value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big").hex().upper()


def _pss_key_lines(pss) -> list[str]:
    """An id-RSASSA-PSS key's restrictions as OpenSSL 3's key-to-text encoder prints them."""
    pad = " " * 16
    if pss is None:
        return [f"{pad}No PSS parameter restrictions"]
    return [f"{pad}PSS parameter restrictions:",
            f"{pad}  Hash Algorithm: {_PROVIDER_DIGESTS.get(pss.hash_name, pss.hash_name)}"
            + (" (default)" if pss.hash_name == "sha1" else ""),
            f"{pad}  Mask Algorithm: MGF1 with "
            + _PROVIDER_DIGESTS.get(pss.mgf1_hash_name, pss.mgf1_hash_name)
            + (" (default)" if pss.mgf1_hash_name == "sha1" else ""),
            f"{pad}  Minimum Salt Length: {pss.salt_length}"
            + (" (default)" if pss.salt_length == 20 else ""),
            f"{pad}  Trailer Field: 0x1 (default)"]


# Named curves OpenSSL prints: parameters DER (the curve OID) -> (bits, short name, NIST name).
_CURVES = {
    bytes.fromhex("06082a8648ce3d030107"): (256, "prime256v1", "P-256"),
    bytes.fromhex("06052b81040022"): (384, "secp384r1", "P-384"),
    bytes.fromhex("06052b81040023"): (521, "secp521r1", "P-521"),
}
_EDWARDS = {"1.3.101.112": "ED25519", "1.3.101.113": "ED448"}


def _ec_key_lines(key: ECPublicKey, point: bytes) -> list[str]:
    """An EC key as OpenSSL 3's key-to-text encoder prints it: the order's bits, the point's
    octets as the certificate holds them (compressed stays compressed), the curve's names."""
    pad = " " * 16
    return [f"{pad}Public-Key: ({key.key_size} bit)", f"{pad}pub:", *hex_block(point, 20),
            f"{pad}ASN1 OID: {key.curve.name}", f"{pad}NIST CURVE: {key.curve.nist_name}"]


def _unsupported_key_lines(key) -> list[str]:
    """EC keys on the named curves (here: keys whose point does not read) and Ed25519/Ed448 keys
    as OpenSSL prints them; any other key as its subjectPublicKey octets. The octets are shown,
    never interpreted."""
    pad = " " * 16
    curve = _CURVES.get(key.parameters) if key.algorithm == "1.2.840.10045.2.1" else None
    if curve is not None:
        return [f"{pad}Public-Key: ({curve[0]} bit)", f"{pad}pub:",
                *hex_block(key.subject_public_key, 20),
                f"{pad}ASN1 OID: {curve[1]}", f"{pad}NIST CURVE: {curve[2]}"]
    if str(key.algorithm) in _EDWARDS:
        return [f"{pad}{_EDWARDS[str(key.algorithm)]} Public-Key:", f"{pad}pub:",
                *hex_block(key.subject_public_key, 20)]
    return [f"{pad}Public-Key: (not interpreted)", *hex_block(key.subject_public_key, 20)]


def _exponent_lines(e: int) -> list[str]:
    """As OpenSSL's ``ASN1_bn_print``: an exponent that fits an unsigned 64-bit long in decimal
    and hex, any larger one as octets, like the modulus. Never a huge decimal: CPython refuses
    to convert an int of more than 4,300 digits to text (a 16384-bit exponent has 4,933)."""
    if e < 1 << 64:
        return [f"                Exponent: {e} ({e:#x})"]
    octets = e.to_bytes(e.bit_length() // 8 + 1, "big")       # a leading 00 if the top bit is set
    return ["                Exponent:", *hex_block(octets, 20)]


def _json_int(value: int) -> int | str:
    """An integer for JSON: a number up to 2^63, beyond that a ``0x`` hexadecimal string (JSON
    readers lose precision above 2^53, and CPython cannot print one of more than 4,300 digits)."""
    return value if -(1 << 63) <= value < 1 << 63 else hex(value)


def _public_key_lines(cert) -> list[str]:
    key = cert.public_key
    name = KEY_ALGORITHM_NAMES.get(cert.public_key_info.algorithm, str(cert.public_key_info.algorithm))
    lines = ["        Subject Public Key Info:", f"            Public Key Algorithm: {name}"]
    if isinstance(key, RSAPublicKey):
        modulus = key.n.to_bytes(key.size_in_bytes + 1, "big")
        lines.append(f"                Public-Key: ({key.key_size} bit)")
        lines.append("                Modulus:")
        lines.extend(hex_block(modulus, 20))
        lines.extend(_exponent_lines(key.e))
        if cert.public_key_info.algorithm == "1.2.840.113549.1.1.10":          # id-RSASSA-PSS
            lines.extend(_pss_key_lines(cert.public_key_info.pss_parameters))
    elif isinstance(key, ECPublicKey):
        lines.extend(_ec_key_lines(key, cert.public_key_info.subject_public_key))
    elif isinstance(key, UnsupportedPublicKey):
        lines.extend(_unsupported_key_lines(key))
    return lines


def _extension_lines(cert) -> list[str]:
    if not cert.extensions:
        return []
    lines = ["        X509v3 extensions:"]
    for ext in cert.extensions:
        lines.append(f"            {extension_name(ext.oid)}: " + ("critical" if ext.critical else ""))
        lines.extend("                " + line if line else "" for line in _value_lines(ext))
    return lines


def _value_lines(ext) -> list[str]:
    value = ext.value
    if hasattr(value, "text_lines"):
        return value.text_lines()
    return hex_block(ext.raw_value, 0, 18)


def certificate_text(cert) -> str:
    return "\n".join(certificate_lines(cert)) + "\n"


def certificate_lines(cert) -> list[str]:
    """The listing, line by line. A value shown in a line may hold any character the certificate
    holds, control characters included: whoever writes the lines to a terminal or a log escapes
    each one (the command line does, with ``x509core/safe_text.py``)."""
    alg = SIGNATURE_NAMES.get(cert.signature_algorithm, str(cert.signature_algorithm))
    info = cert.signature_algorithm_info
    pss = _pss_signature_lines(info.pss) if info is not None and info.pss is not None else []
    lines = ["Certificate:", "    Data:",
             f"        Version: {cert.version} ({cert.version - 1:#x})"]
    lines += _serial_lines(cert.serial_number)
    lines += [f"        Signature Algorithm: {alg}", *pss,
             f"        Issuer: {cert.issuer.openssl_oneline()}",
             "        Validity",
             f"            Not Before: {format_time(cert.not_valid_before)}",
             f"            Not After : {format_time(cert.not_valid_after)}",
             f"        Subject: {cert.subject.openssl_oneline()}"]
    lines += _public_key_lines(cert)
    lines += _extension_lines(cert)
    lines += [f"    Signature Algorithm: {alg}", "    Signature Value:", *pss]
    lines += hex_block(cert.signature, 8, 18)
    return lines


def _json_value(value):
    """A JSON-ready form of an extension value or field: dataclasses field by field."""
    import dataclasses
    import ipaddress
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"type": type(value).__name__}
        for field in dataclasses.fields(value):
            out[field.name] = _json_value(getattr(value, field.name))
        return out
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (tuple, list, frozenset, set)):
        items = [_json_value(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Network,
                          ipaddress.IPv6Network)):
        return str(value)
    if hasattr(value, "rfc4514"):
        return value.rfc4514()
    if isinstance(value, int) and not isinstance(value, bool):
        return _json_int(value)
    if value is None or isinstance(value, (bool, float, str)):
        return value if not isinstance(value, str) else str(value)
    return str(value)


def _pss_json(pss) -> dict | None:
    if pss is None:
        return None
    return {"hash": pss.hash_name, "mgf1_hash": pss.mgf1_hash_name, "salt_length": pss.salt_length}


def _public_key_json(cert) -> dict:
    info, key = cert.public_key_info, cert.public_key
    name = KEY_ALGORITHM_NAMES.get(info.algorithm, str(info.algorithm))
    if isinstance(key, ECPublicKey):
        return {"algorithm": name, "oid": str(info.algorithm), "curve": key.curve.nist_name,
                "curve_name": key.curve.name, "curve_oid": str(key.curve.oid),
                "key_size": key.key_size, "key": info.subject_public_key.hex(),
                "x": f"{key.x:x}", "y": f"{key.y:x}"}
    if not isinstance(key, RSAPublicKey):
        return {"algorithm": name, "oid": str(info.algorithm), "key": key.subject_public_key.hex()}
    return {"algorithm": name, "oid": str(info.algorithm), "key_size": key.key_size,
            "n": f"{key.n:x}", "e": _json_int(key.e),
            "pss_parameters": _pss_json(info.pss_parameters)}


def certificate_json(cert) -> dict:
    info = cert.signature_algorithm_info
    return {
        "version": cert.version,
        "serial_number": f"{cert.serial_number:x}",
        "signature_algorithm": str(cert.signature_algorithm),
        "signature_algorithm_name": SIGNATURE_NAMES.get(cert.signature_algorithm),
        "issuer": cert.issuer.rfc4514(),
        "subject": cert.subject.rfc4514(),
        "not_valid_before": _json_value(cert.not_valid_before),
        "not_valid_after": _json_value(cert.not_valid_after),
        "signature_pss_parameters": _pss_json(info.pss if info is not None else None),
        "public_key": _public_key_json(cert),
        "issuer_unique_id": None if cert.issuer_unique_id is None else cert.issuer_unique_id.data.hex(),
        "subject_unique_id": None if cert.subject_unique_id is None else cert.subject_unique_id.data.hex(),
        "extensions": [{"oid": str(ext.oid), "name": extension_name(ext.oid), "critical": ext.critical,
                        "value": _json_value(ext.value), "raw_value": ext.raw_value.hex()}
                       for ext in cert.extensions],
        "machine_identity": _binding(cert, "machine_identity"),
        "mac_address": _binding(cert, "mac_address"),
        "machine_binding": _binding_json(cert),
        "signature": cert.signature.hex(),
        "sha256_fingerprint": cert.fingerprint().hex(),
        "findings": [finding.to_json() for finding in lint(cert)],
    }


def _binding(cert, field: str) -> str | None:
    """A binding value whichever carrier holds it, or None when its extension is malformed (a
    finding says so) or the carriers disagree (``machine_binding`` shows each)."""
    try:
        return getattr(cert, field)
    except X509CoreError:
        return None


def _binding_json(cert) -> dict | None:
    """The carrier and the values of each (cert/extensions/binding.py), or None."""
    try:
        binding = cert.machine_binding
    except X509CoreError:
        return None
    return None if binding is None else binding.to_json()
