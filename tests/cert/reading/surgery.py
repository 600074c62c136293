"""Byte surgery on DER for the refusal tests: an independent navigator and a rebuilder that fixes
every enclosing length. It reads DER with its own few lines (``der_header``), never with the code
under test, and knows valid DER only. A path is a tuple of child indexes from the outermost
element, with ``IN`` stepping into the one element an OCTET STRING or a BIT STRING holds (the
value in extnValue, the RSAPublicKey in subjectPublicKey).
"""

from __future__ import annotations

__all__ = ["IN", "der_header", "der_children", "der_length", "identifier", "tlv", "span", "element",
           "rebuild", "replace", "edit_children", "oid_text", "certificate_paths", "extension_paths"]

IN = "in"   # path step: the one DER element that a BIT STRING (after its unused-bits octet) or an
            # OCTET STRING holds, e.g. the RSAPublicKey in subjectPublicKey, the value in extnValue


def der_header(data: bytes, pos: int) -> tuple[int, int]:
    """(content start, content end) of the DER element at ``pos``; valid DER only."""
    cursor = pos + 1
    if data[pos] & 0x1F == 0x1F:                       # high tag number, X.690 §8.1.2.4
        while data[cursor] & 0x80:
            cursor += 1
        cursor += 1
    first = data[cursor]
    cursor += 1
    if first < 0x80:
        return cursor, cursor + first
    count = first & 0x7F
    return cursor + count, cursor + count + int.from_bytes(data[cursor:cursor + count], "big")


def der_children(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) of each element in ``data[start:end]``."""
    spans, pos = [], start
    while pos < end:
        spans.append((pos, der_header(data, pos)[1]))
        pos = spans[-1][1]
    assert pos == end, "not a sequence of whole elements"
    return spans


def der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def identifier(element: bytes) -> bytes:
    """The identifier octets of an element."""
    end = 1
    if element[0] & 0x1F == 0x1F:
        while element[end] & 0x80:
            end += 1
        end += 1
    return element[:end]


def tlv(ident: int | bytes, content: bytes) -> bytes:
    ident = bytes([ident]) if isinstance(ident, int) else ident
    return ident + der_length(len(content)) + content


def _step(element: bytes, step) -> tuple[int, int]:
    """Where ``step`` leads inside ``element``, relative to the element's start."""
    cstart, cend = der_header(element, 0)
    if step == IN:
        return cstart + (1 if element[0] == 0x03 else 0), cend
    return der_children(element, cstart, cend)[step]


def span(der: bytes, path) -> tuple[int, int]:
    """The absolute (start, end) of the element at ``path``."""
    start, end = 0, der_header(der, 0)[1]
    for step in path:
        lo, hi = _step(der[start:end], step)
        start, end = start + lo, start + hi
    return start, end


def element(der: bytes, path) -> bytes:
    start, end = span(der, path)
    return der[start:end]


def rebuild(der: bytes, path, edit) -> tuple[bytes, int]:
    """``der`` with the element at ``path`` replaced by ``edit(element)`` (any bytes, DER or not),
    every enclosing length re-encoded in DER; also the new absolute start of the replacement."""
    def walk(elem: bytes, steps) -> tuple[bytes, int]:
        if not steps:
            return edit(elem), 0
        lo, hi = _step(elem, steps[0])
        cstart, cend = der_header(elem, 0)
        new, offset = walk(elem[lo:hi], steps[1:])
        content = elem[cstart:lo] + new + elem[hi:cend]
        head = identifier(elem) + der_length(len(content))
        return head + content, len(head) + (lo - cstart) + offset
    return walk(der, tuple(path))


def replace(der: bytes, path, new: bytes) -> tuple[bytes, int]:
    return rebuild(der, path, lambda _: new)


def edit_children(der: bytes, path, change) -> bytes:
    """``der`` with the children of the constructed element at ``path`` replaced by
    ``change(list_of_child_elements)``."""
    def edit(elem: bytes) -> bytes:
        cstart, cend = der_header(elem, 0)
        kids = [elem[a:b] for a, b in der_children(elem, cstart, cend)]
        return tlv(identifier(elem), b"".join(change(kids)))
    return rebuild(der, path, edit)[0]


def oid_text(content: bytes) -> str:
    """Dotted text of OBJECT IDENTIFIER content octets (X.690 §8.19), decoded here."""
    arcs, value = [], 0
    for octet in content:
        value = (value << 7) | (octet & 0x7F)
        if not octet & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]]))


def certificate_paths(der: bytes) -> dict[str, tuple]:
    """Paths of the fields of a certificate (RFC 5280 §4.1), found by tag, for ``rebuild``."""
    tbs = (0,)
    kids = der_children(der, *der_header(der, span(der, tbs)[0]))
    tags = [der[a] for a, _ in kids]
    i = 1 if tags[0] == 0xA0 else 0
    paths = {"certificate": (), "tbsCertificate": tbs, "signatureAlgorithm": (1,),
             "signatureValue": (2,), "serialNumber": (0, i), "signature": (0, i + 1),
             "issuer": (0, i + 2), "validity": (0, i + 3), "notBefore": (0, i + 3, 0),
             "notAfter": (0, i + 3, 1), "subject": (0, i + 4), "subjectPublicKeyInfo": (0, i + 5),
             "subjectPublicKey": (0, i + 5, 1)}
    if i:
        paths["version"] = (0, 0)
    for index, tag in enumerate(tags):
        if tag == 0xA3:
            paths["extensions"] = (0, index)
    return paths


def extension_paths(der: bytes) -> dict[str, tuple]:
    """extnID (dotted) -> path of its Extension SEQUENCE."""
    paths = certificate_paths(der)
    if "extensions" not in paths:
        return {}
    sequence = paths["extensions"] + (0,)
    found = {}
    for index in range(len(der_children(der, *der_header(der, span(der, sequence)[0])))):
        oid = element(der, sequence + (index, 0))
        found[oid_text(oid[2:])] = sequence + (index,)
    return found
