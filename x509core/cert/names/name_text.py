"""Attribute types of X.509 names and the text forms of names (RFC 4514, OpenSSL).

This module knows the names of the attribute types and characters;
:mod:`x509core.cert.names.attribute` knows the values (and the string type and size RFC 5280
Appendix A.1 gives them) and :mod:`x509core.cert.names.name` their DER. The parsers here return
plain lists (RDNs in RDNSequence order, each a list of ``(ObjectIdentifier, str | bytes)``, bytes
being the DER of a ``#hex`` value) and the formatters take the ``RelativeDistinguishedName``
objects of ``attribute.py``, so nothing here imports that module or ``name.py``.

- RFC 4514 §2 (to a string) and §3 (from a string): the last RDN first, ``,`` between RDNs, ``+``
  between the attributes of one RDN, ``\\`` escapes, ``#hex`` for values that are not strings.
- OpenSSL ``-subj`` input (``apps/lib/apps.c`` ``parse_name``) and ``-nameopt oneline`` output
  (``crypto/asn1/a_strex.c`` ``do_name_ex``), the forms the CLI reads and prints.
- RFC 4518 string preparation, as RFC 5280 §7.1 requires before caseIgnoreMatch.
"""

from __future__ import annotations

import re
import unicodedata

from x509core.cert import oids
from x509core.der import ObjectIdentifier
from x509core.errors import InvalidValue

__all__ = ["attribute_oid", "rfc4514_type_name", "openssl_type_name", "format_rfc4514",
           "parse_rfc4514", "parse_openssl", "format_openssl", "prepare_string", "prepare_general"]

# OID -> (RFC 4514 §3 short name or None, OpenSSL short name, OpenSSL long name).
# RFC 4514 §3 names only CN, L, ST, O, OU, C, STREET, DC and UID; every other type is written as
# its dotted OID (as pyca/cryptography's rfc4514_string() does). The OpenSSL names are those of
# its object table (crypto/objects/objects.txt), which -subj reads and oneline prints.
_NAMES: dict[ObjectIdentifier, tuple[str | None, str, str]] = {
    oids.OID_COMMON_NAME: ("CN", "CN", "commonName"),
    oids.OID_SURNAME: (None, "SN", "surname"),
    oids.OID_SERIAL_NUMBER: (None, "serialNumber", "serialNumber"),
    oids.OID_COUNTRY_NAME: ("C", "C", "countryName"),
    oids.OID_LOCALITY_NAME: ("L", "L", "localityName"),
    oids.OID_STATE_OR_PROVINCE_NAME: ("ST", "ST", "stateOrProvinceName"),
    oids.OID_STREET_ADDRESS: ("STREET", "street", "streetAddress"),
    oids.OID_ORGANIZATION_NAME: ("O", "O", "organizationName"),
    oids.OID_ORGANIZATIONAL_UNIT_NAME: ("OU", "OU", "organizationalUnitName"),
    oids.OID_TITLE: (None, "title", "title"),
    oids.OID_DESCRIPTION: (None, "description", "description"),
    oids.OID_BUSINESS_CATEGORY: (None, "businessCategory", "businessCategory"),
    oids.OID_POSTAL_CODE: (None, "postalCode", "postalCode"),
    oids.OID_NAME: (None, "name", "name"),
    oids.OID_GIVEN_NAME: (None, "GN", "givenName"),
    oids.OID_INITIALS: (None, "initials", "initials"),
    oids.OID_GENERATION_QUALIFIER: (None, "generationQualifier", "generationQualifier"),
    oids.OID_DN_QUALIFIER: (None, "dnQualifier", "dnQualifier"),
    oids.OID_PSEUDONYM: (None, "pseudonym", "pseudonym"),
    oids.OID_ORGANIZATION_IDENTIFIER: (None, "organizationIdentifier", "organizationIdentifier"),
    oids.OID_USER_ID: ("UID", "UID", "userId"),
    oids.OID_DOMAIN_COMPONENT: ("DC", "DC", "domainComponent"),
    oids.OID_EMAIL_ADDRESS: (None, "emailAddress", "emailAddress"),
    oids.OID_JURISDICTION_LOCALITY_NAME: (None, "jurisdictionL", "jurisdictionLocalityName"),
    oids.OID_JURISDICTION_STATE_OR_PROVINCE_NAME:
        (None, "jurisdictionST", "jurisdictionStateOrProvinceName"),
    oids.OID_JURISDICTION_COUNTRY_NAME: (None, "jurisdictionC", "jurisdictionCountryName"),
}
# Further spellings read (never written): E= and email= are common for emailAddress.
_ALIASES = {"E": oids.OID_EMAIL_ADDRESS, "email": oids.OID_EMAIL_ADDRESS}

# OpenSSL's OBJ_txt2nid() compares names case-sensitively; RFC 4512 §1.4 makes descriptors
# case-insensitive ("short names (descriptors) are case insensitive"), so RFC 4514 text is too.
_OPENSSL_TYPES = {name: oid for oid, (_, short, long) in _NAMES.items() for name in (short, long)}
_RFC4514_TYPES = {name.lower(): oid for oid, names in _NAMES.items() for name in names if name}
_RFC4514_TYPES.update((alias.lower(), oid) for alias, oid in _ALIASES.items())

_DESCR = re.compile(r"[A-Za-z][A-Za-z0-9-]*")                 # RFC 4512 §1.4 descr = keystring
_NUMERICOID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+")  # RFC 4512 §1.4 numericoid


def attribute_oid(text: str | ObjectIdentifier, *, openssl: bool = False) -> ObjectIdentifier:
    """The attribute type that a short name, long name or dotted OID denotes.

    ``openssl=True`` takes the names exactly as OpenSSL spells them; otherwise case is ignored.
    """
    if isinstance(text, ObjectIdentifier):
        return text
    if not isinstance(text, str):
        raise TypeError(f"an attribute type is a name or an OID, not {type(text).__name__}")
    found = _OPENSSL_TYPES.get(text) if openssl else _RFC4514_TYPES.get(text.lower())
    if found is not None:
        return found
    if _NUMERICOID.fullmatch(text):
        return ObjectIdentifier(text)          # InvalidValue for first arcs out of range
    raise InvalidValue(f"unknown attribute type {text!r}")


def rfc4514_type_name(oid: ObjectIdentifier) -> str:
    """The RFC 4514 §2.3 form of a type: its short name from the §3 table, else the dotted OID."""
    entry = _NAMES.get(oid)
    return entry[0] if entry and entry[0] else str(oid)


def openssl_type_name(oid: ObjectIdentifier) -> str:
    """OpenSSL's short name of a type (XN_FLAG_FN_SN), else the dotted OID as it prints it."""
    entry = _NAMES.get(oid)
    return entry[1] if entry else str(oid)


# -- RFC 4514 §2: to a string -------------------------------------------------------------------

_RFC4514_ESCAPED = frozenset('"+,;<>\\')     # §2.4: always escaped (and NUL, as "\00")
_RFC4514_ESCAPES = str.maketrans({"\0": "\\00", **{char: "\\" + char for char in _RFC4514_ESCAPED}})
_NEEDS_ESCAPE = re.compile('[\x00"+,;<>\\\\]|^[# ]| $')   # any of the cases below


def format_rfc4514(rdns) -> str:
    """RFC 4514 §2.1: the RDNs from last to first, joined by ``,``; §2.2: ``+`` inside an RDN.
    A plain loop (no nested generators): a certificate's two names are printed on every load
    by callers that log or compare them as text."""
    parts = []
    for rdn in reversed(rdns):
        attributes = rdn.attributes
        if len(attributes) == 1:
            parts.append(_rfc4514_attribute(attributes[0]))
        else:
            parts.append("+".join([_rfc4514_attribute(a) for a in attributes]))
    return ",".join(parts)


def _rfc4514_attribute(atv) -> str:
    """RFC 4514 §2.3: ``type=value``."""
    entry = _NAMES.get(atv.oid)
    name = entry[0] if entry and entry[0] else str(atv.oid)       # rfc4514_type_name
    if atv.string_tag is not None and _NEEDS_ESCAPE.search(atv.value) is None:
        return f"{name}={atv.value}"                    # _rfc4514_value's common case
    return f"{name}={_rfc4514_value(atv)}"


def _rfc4514_value(atv) -> str:
    """RFC 4514 §2.4: a string value with the required escapes, or ``#`` and the value's DER."""
    if atv.string_tag is None:
        return "#" + atv.raw.hex()
    if _NEEDS_ESCAPE.search(atv.value) is None:         # the common case: nothing to escape
        return atv.value
    value = atv.value
    out = value.translate(_RFC4514_ESCAPES)             # NUL and the seven, anywhere
    if value[0] in "# ":                                # not empty: _NEEDS_ESCAPE matched
        out = "\\" + out                               # a leading '#' or space
    if len(value) > 1 and value[-1] == " ":
        out = out[:-1] + "\\ "                          # a trailing space (once, if also leading)
    return out


# -- RFC 4514 §3: from a string -----------------------------------------------------------------

_SPECIAL = frozenset('"+,;<>\\ #=')          # §3 special = escaped / SPACE / SHARP / EQUALS
_HEX = frozenset("0123456789abcdefABCDEF")


def parse_rfc4514(text: str) -> list[list[tuple[ObjectIdentifier, str | bytes]]]:
    """RFC 4514 §3 ``distinguishedName``, returned in RDNSequence order (the first RDN written
    last, §2.1). Values are str, or the DER bytes of a ``#hex`` value (§2.4)."""
    if not isinstance(text, str):
        raise TypeError("an RFC 4514 name is a str")
    rdns: list[list[tuple[ObjectIdentifier, str | bytes]]] = []
    pos = 0
    while text:
        rdn = []
        while True:
            oid, value, pos = _parse_attribute(text, pos)
            rdn.append((oid, value))
            if pos == len(text) or text[pos] != "+":
                break
            pos += 1
        rdns.append(rdn)
        if pos == len(text):
            break
        if text[pos] != ",":
            _fail(text, pos, "',' or '+' expected")
        pos += 1
    rdns.reverse()
    return rdns


def _fail(text: str, pos: int, reason: str):
    raise InvalidValue(f"{reason} at character {pos} of the RFC 4514 name {text!r}")


def _parse_attribute(text: str, pos: int) -> tuple[ObjectIdentifier, str | bytes, int]:
    """``attributeTypeAndValue = attributeType EQUALS attributeValue`` (RFC 4514 §3)."""
    found = _NUMERICOID.match(text, pos) or _DESCR.match(text, pos)
    if found is None:
        _fail(text, pos, "attribute type expected")
    try:
        oid = attribute_oid(found.group())
    except InvalidValue as exc:
        _fail(text, pos, str(exc))
    pos = found.end()
    if pos == len(text) or text[pos] != "=":
        _fail(text, pos, "'=' expected")
    if text.startswith("#", pos + 1):
        return (oid, *_parse_hexstring(text, pos + 1))
    return (oid, *_parse_string(text, pos + 1))


def _parse_hexstring(text: str, pos: int) -> tuple[bytes, int]:
    """``hexstring = SHARP 1*hexpair``: the octets of the value's BER (here: DER) encoding."""
    end = pos + 1
    while end < len(text) and text[end] not in ",+":
        end += 1
    digits = text[pos + 1:end]
    if not digits or len(digits) % 2 or not set(digits) <= _HEX:
        _fail(text, pos, "'#' must be followed by pairs of hex digits")
    return bytes.fromhex(digits), end


def _parse_string(text: str, start: int) -> tuple[str, int]:
    """``string`` of RFC 4514 §3; hex pairs are octets of UTF-8, decoded together."""
    out, pos = bytearray(), start
    while pos < len(text) and text[pos] not in ",+":
        char = text[pos]
        if char == "\\":
            pos = _parse_pair(text, pos, out)
            continue
        if char in '";<>\0':
            _fail(text, pos, f"{char!r} must be escaped")
        if char == " " and (pos == start or pos + 1 == len(text) or text[pos + 1] in ",+"):
            _fail(text, pos, "a leading or trailing space must be escaped")
        out += char.encode("utf-8", "surrogatepass")
        pos += 1
    try:
        return out.decode("utf-8"), pos
    except UnicodeDecodeError:
        _fail(text, start, "value is not well-formed UTF-8 (RFC 4514 §3 hexpair)")


def _parse_pair(text: str, pos: int, out: bytearray) -> int:
    """``pair = ESC ( ESC / special / hexpair )``; returns the position after it."""
    escaped, hexpair = text[pos + 1:pos + 2], text[pos + 1:pos + 3]
    if escaped and escaped in _SPECIAL:
        out += escaped.encode("ascii")
        return pos + 2
    if len(hexpair) == 2 and set(hexpair) <= _HEX:
        out.append(int(hexpair, 16))
        return pos + 3
    _fail(text, pos, "'\\' must be followed by a special character or two hex digits")


# -- OpenSSL: /type=value/... in, oneline out ---------------------------------------------------


def parse_openssl(text: str) -> list[list[tuple[ObjectIdentifier, str]]]:
    """OpenSSL's ``-subj`` form ``/type0=value0/type1=value1+type2=value2``, RDNs in order.

    As ``parse_name`` in OpenSSL's apps/lib/apps.c: ``\\`` takes the next character literally,
    an unescaped ``+`` starts the next attribute of the same RDN, a trailing ``/`` is allowed.
    # Deviation: OpenSSL skips an unknown type or an empty value with a warning; both are refused
    # here (a name must not silently lose parts). A dotted OID is taken even if OpenSSL lacks it.
    """
    if not isinstance(text, str):
        raise TypeError("an OpenSSL name is a str")
    if not text.startswith("/"):
        raise InvalidValue(f"an OpenSSL name starts with '/': {text!r}")
    rdns: list[list[tuple[ObjectIdentifier, str]]] = []
    pos, joins = 1, False
    while pos < len(text):
        equals = text.find("=", pos)
        if equals < 0:
            raise InvalidValue(f"missing '=' after type {text[pos:]!r} in {text!r}")
        oid = attribute_oid(text[pos:equals], openssl=True)
        value, pos, separator = _openssl_value_text(text, equals + 1)
        if joins:
            rdns[-1].append((oid, value))
        else:
            rdns.append([(oid, value)])
        joins = separator == "+"
        if joins and pos == len(text):
            raise InvalidValue(f"'+' at the end of {text!r}: another attribute expected")
    return rdns


def _openssl_value_text(text: str, pos: int) -> tuple[str, int, str]:
    """A value up to an unescaped ``/`` or ``+``: the value, the position after the separator, it."""
    out = []
    while pos < len(text) and text[pos] not in "/+":
        if text[pos] == "\\":
            pos += 1
            if pos == len(text):
                raise InvalidValue(f"escape character at the end of {text!r}")
        out.append(text[pos])
        pos += 1
    separator = text[pos] if pos < len(text) else ""
    return "".join(out), pos + 1 if separator else pos, separator


def format_openssl(rdns, escape_msb: bool = False) -> str:
    """What ``-nameopt oneline`` prints: ``C = CN, O = Org, CN = a + UID = b``.

    ``escape_msb=True`` writes each UTF-8 octet above 0x7F as ``\\XX``, as ``openssl x509 -text``
    and the default ``-subject`` do; the default keeps the characters (``-nameopt oneline,-esc_msb``).
    """
    return ", ".join(" + ".join(f"{openssl_type_name(a.oid)} = {_openssl_value(a, escape_msb)}"
                                for a in rdn.attributes) for rdn in rdns)


def _openssl_value(atv, escape_msb: bool) -> str:
    """One value as ``do_print_ex`` writes it under ASN1_STRFLGS_RFC2253 | ASN1_STRFLGS_ESC_QUOTE:
    specials unescaped inside double quotes, ``"`` and ``\\`` escaped, controls as ``\\XX``,
    other types as ``#`` and their DER in upper-case hex."""
    if atv.string_tag is None:
        return "#" + atv.raw.hex().upper()
    value, out, quoted = atv.value, [], False
    for index, char in enumerate(value):
        # do_buf: the first character is "first" unless it is also the last (one-character value).
        first, last = index == 0 and len(value) > 1, index == len(value) - 1
        if char in ",+<>;" or (char == "#" and first) or (char == " " and (first or last)):
            out.append(char)
            quoted = True
        elif char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):02X}")
        elif ord(char) > 0x7F and escape_msb:
            out.append("".join(f"\\{octet:02X}" for octet in char.encode("utf-8")))
        else:
            out.append(char)
    text = "".join(out)
    return f'"{text}"' if quoted else text


# -- RFC 4518: string preparation for caseIgnoreMatch (RFC 5280 §7.1) ---------------------------

_TO_SPACE = frozenset("\t\n\x0b\x0c\r\x85")
_TO_NOTHING = frozenset(
    [0x00AD, 0x1806, 0x034F, *range(0x180B, 0x180E), *range(0xFE00, 0xFE10), 0xFFFC, 0x200B,
     *range(0x0000, 0x0009), *range(0x000E, 0x0020), *range(0x007F, 0x0085), *range(0x0086, 0x00A0),
     0x06DD, 0x070F, 0x180E, *range(0x200C, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2064),
     *range(0x206A, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFC), *range(0x1D173, 0x1D17B), 0xE0001,
     *range(0xE0020, 0xE0080)])


def prepare_string(value: str) -> str:
    """A value as RFC 4518 §2 prepares it for caseIgnoreMatch, with RFC 5280 §7.1's clarifications.

    Step 1 (transcode) is done by the DER layer; step 2 maps (§2.2: soft hyphens, joiners and
    controls to nothing, other white space and separators to SPACE, then case folding); step 3 is
    NFKC; step 6 removes insignificant spaces (§2.6.1: none at either end, one between words).
    # Deviation: case folding is Python's str.casefold() (full Unicode case folding of Python's
    # Unicode version) applied between two NFKC passes, standing in for RFC 3454 Table B.2 (Unicode
    # 3.2); step 4 (prohibited and unassigned code points) is not applied, so such values compare
    # after mapping instead of being "Undefined"; step 5 (bidi) has nothing to do (§2.5).
    """
    if value.isascii() and value.isprintable():
        # Fast path, exact: printable ASCII (U+0020-U+007E) maps to itself in step 2, NFKC
        # leaves it unchanged and casefold() is lower(); only the spaces of step 6 remain (the
        # only white space of printable ASCII is SPACE, so split() splits at spaces alone).
        return " ".join(value.lower().split())
    return prepare_general(value)


def prepare_general(value: str) -> str:
    """:func:`prepare_string` by RFC 4518 §2's steps for any value (its fast path is pinned
    to this by tests/cert/names/test_name.py)."""
    mapped = "".join(_map_character(char) for char in value)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", mapped).casefold())
    return " ".join(word for word in folded.split(" ") if word)


def _map_character(char: str) -> str:
    """RFC 4518 §2.2 for one code point (case folding follows in prepare_string)."""
    if char in _TO_SPACE or unicodedata.category(char) in ("Zs", "Zl", "Zp"):
        return " "
    return "" if ord(char) in _TO_NOTHING else char
