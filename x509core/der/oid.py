"""OBJECT IDENTIFIER values and their content octets. X.690 §8.19, X.660.

Arcs may be of any size: ``1.3.6.1.4.15967132172.1`` (the machine-binding extension) has an arc
above 2^32 and round-trips exactly. The first two arcs share one subidentifier (X.690 §8.19.4):
``40 * X + Y`` with X in 0..2 and, for X < 2, Y in 0..39.
"""

from __future__ import annotations

from x509core.errors import DecodeError, InvalidValue, NonCanonicalEncoding

__all__ = ["ObjectIdentifier", "decode_oid_content", "decoded_oid", "encode_oid_content"]

_CACHE_LIMIT = 4096              # bounded, so hostile input cannot grow memory without end
_CACHE_MAX_OCTETS = 32           # and only short OIDs (real ones have 3 to ~20 content octets):
                                 # 4096 x 1 MB OIDs would otherwise stay resident (issue 16)
# Deviation: X.690 puts no bound on an arc. We accept arcs of up to 128 octets (896 bits, far
# beyond the 128-bit UUID arcs of X.667) so that decoding stays linear in time and str() of an
# arc never meets CPython's integer-to-string digit limit.
MAX_ARC_OCTETS = 128
_MAX_ARC_DIGITS = 270            # 10^270 > 2^896
_decoded: dict[bytes, "ObjectIdentifier"] = {}


class ObjectIdentifier(str):
    """An OID in dotted form. It is a ``str``, so ``oid == "2.5.29.19"`` works."""

    __slots__ = ()

    def __new__(cls, dotted: str) -> "ObjectIdentifier":
        if isinstance(dotted, ObjectIdentifier):
            return dotted
        if not isinstance(dotted, str):
            raise TypeError(f"ObjectIdentifier needs a dotted string, not {type(dotted).__name__}")
        _check_dotted(dotted)
        return str.__new__(cls, dotted)

    @property
    def arcs(self) -> tuple[int, ...]:
        return tuple(int(arc) for arc in self.split("."))

    def __repr__(self) -> str:
        return f"ObjectIdentifier({str.__repr__(self)})"


def _check_dotted(dotted: str) -> None:
    parts = dotted.split(".")
    for part in parts:
        # Each arc is a non-negative decimal without leading zeros (X.660 §A.2 number form).
        if not part.isascii() or not part.isdigit() or (len(part) > 1 and part[0] == "0"):
            raise InvalidValue(f"not a dotted object identifier: {dotted!r}")
        if len(part) > _MAX_ARC_DIGITS or int(part).bit_length() > 7 * MAX_ARC_OCTETS:
            raise InvalidValue(f"object identifier arc too large (more than {MAX_ARC_OCTETS} octets)")
    if len(parts) < 2:
        raise InvalidValue(f"an object identifier has at least two arcs: {dotted!r}")
    first, second = int(parts[0]), int(parts[1])
    if first > 2 or (first < 2 and second > 39):   # X.690 §8.19.4, X.660 §7.6
        raise InvalidValue(f"first arcs out of range in {dotted!r} (X.690 §8.19.4)")


def _from_arcs_unchecked(arcs: list[int]) -> ObjectIdentifier:
    return str.__new__(ObjectIdentifier, ".".join(map(str, arcs)))


# decoded_oid(content): the OID whose content octets are ``content`` if it was decoded (and
# checked) before, else None; a fast path for readers, :func:`decode_oid_content` decodes and
# checks the others. It is the cache's own ``get``, so a lookup costs no Python call.
decoded_oid = _decoded.get


def decode_oid_content(data: bytes, start: int, end: int, path: tuple[str, ...]) -> ObjectIdentifier:
    """The value of the content octets ``data[start:end]`` of an OBJECT IDENTIFIER."""
    content = data[start:end]
    cached = _decoded.get(content)
    if cached is not None:
        return cached
    if not content:
        raise DecodeError("OBJECT IDENTIFIER with no subidentifier (X.690 §8.19.2)", start, path)
    if content[-1] & 0x80:
        raise DecodeError("last subidentifier of an OBJECT IDENTIFIER is truncated (X.690 §8.19.2)",
                          end - 1, path)
    arcs: list[int] = []
    value = 0
    arc_start = 0
    for index, octet in enumerate(content):
        if index == arc_start:
            if octet == 0x80:
                # X.690 §8.19.2: "the leading octet of the subidentifier shall not have the value 0x80".
                raise NonCanonicalEncoding("subidentifier not in minimal form (X.690 §8.19.2)",
                                           start + index, path)
        elif index - arc_start >= MAX_ARC_OCTETS:
            raise DecodeError(f"OBJECT IDENTIFIER arc longer than {MAX_ARC_OCTETS} octets",
                              start + arc_start, path)
        value = (value << 7) | (octet & 0x7F)
        if not octet & 0x80:
            arcs.append(value)
            value = 0
            arc_start = index + 1
    first = arcs[0]                                  # X.690 §8.19.4
    arcs[0:1] = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    oid = _from_arcs_unchecked(arcs)
    if len(_decoded) < _CACHE_LIMIT and len(content) <= _CACHE_MAX_OCTETS:
        _decoded[content] = oid
    return oid


_encoded: dict[str, bytes] = {}


def encode_oid_content(oid: ObjectIdentifier) -> bytes:
    """The content octets of ``oid``: base-128 subidentifiers, fewest octets (X.690 §8.19.2)."""
    cached = _encoded.get(oid)
    if cached is not None:
        return cached
    arcs = ObjectIdentifier(oid).arcs
    out = bytearray()
    for arc in (40 * arcs[0] + arcs[1], *arcs[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    content = bytes(out)
    if len(_encoded) < _CACHE_LIMIT and len(content) <= _CACHE_MAX_OCTETS:
        _encoded[str(oid)] = content
    return content
