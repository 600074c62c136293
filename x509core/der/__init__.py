"""Strict X.690 DER: decoding, encoding, a cursor-style reader and a nesting writer.

This layer turns bytes into tags, lengths, integers, OIDs, strings and times and back; it knows
nothing of keys or certificates. Only DER is accepted; every refusal is a
:class:`~x509core.errors.DecodeError` naming the rule and the absolute byte offset.
"""

from x509core.der.generic import decode, encode
from x509core.der.oid import ObjectIdentifier
from x509core.der.reader import DEFAULT_MAX_DEPTH, Reader
from x509core.der.tags import Tag
from x509core.der.time import GeneralizedTime, UTCTime
from x509core.der.values import (BitString, BMPString, Enumerated, IA5String, NumericString,
                                 PrintableString, Set, Tagged, TeletexString, UniversalString,
                                 UTF8String, VisibleString)
from x509core.der.writer import Writer
from x509core.errors import (DecodeError, DepthExceeded, NonCanonicalEncoding, Truncated,
                             UnexpectedTag)

__all__ = [
    "decode", "encode", "Reader", "Writer", "Tag", "ObjectIdentifier", "BitString", "Enumerated",
    "Set", "Tagged", "UTF8String", "PrintableString", "IA5String", "NumericString",
    "VisibleString", "TeletexString", "BMPString", "UniversalString", "UTCTime",
    "GeneralizedTime", "DecodeError", "Truncated", "UnexpectedTag", "NonCanonicalEncoding",
    "DepthExceeded", "DEFAULT_MAX_DEPTH",
]
