"""Making value objects from fields the strict DER reader has just checked.

The constructors of Name, AttributeTypeAndValue, RelativeDistinguishedName, Extension and the
extension values check their arguments (often by re-encoding them); for values built by hand that
is the right check. For values read from DER it only repeats what strict parsing established (the
bytes *are* the canonical encoding, and each reader checks what the standard asks of the value),
and it cost about 40% of a certificate load, so the readers use :func:`parsed` (or a
:func:`maker`) instead. Each call site says which reader checks stand for ``__post_init__``.
Nothing but readers may use this module.
"""

from __future__ import annotations

from dataclasses import fields

__all__ = ["parsed", "maker"]

_MAKERS: dict[type, object] = {}


def maker(cls):
    """A function ``make(*values)`` that returns an instance of the frozen, slotted dataclass
    ``cls`` with its fields set to ``values`` in order, without ``__init__``/``__post_init__``.

    It writes each slot through its descriptor (as ``object.__setattr__`` does; the frozen
    dataclass's own ``__setattr__`` refuses), unrolled for up to four fields because these are
    the hottest calls of a certificate load."""
    make = _MAKERS.get(cls)
    if make is not None:
        return make
    slots = [getattr(cls, f.name, None) for f in fields(cls)]
    if not all(hasattr(slot, "__set__") for slot in slots):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    setters = tuple(slot.__set__ for slot in slots)
    new = object.__new__
    if len(setters) == 1:
        (s0,) = setters

        def make(a):
            obj = new(cls)
            s0(obj, a)
            return obj
    elif len(setters) == 2:
        s0, s1 = setters

        def make(a, b):
            obj = new(cls)
            s0(obj, a)
            s1(obj, b)
            return obj
    elif len(setters) == 3:
        s0, s1, s2 = setters

        def make(a, b, c):
            obj = new(cls)
            s0(obj, a)
            s1(obj, b)
            s2(obj, c)
            return obj
    elif len(setters) == 4:
        s0, s1, s2, s3 = setters

        def make(a, b, c, d):
            obj = new(cls)
            s0(obj, a)
            s1(obj, b)
            s2(obj, c)
            s3(obj, d)
            return obj
    else:
        def make(*values):
            if len(values) != len(setters):
                raise TypeError(f"{cls.__name__} has {len(setters)} fields, not {len(values)}")
            obj = new(cls)
            for setter, value in zip(setters, values):
                setter(obj, value)
            return obj
    _MAKERS[cls] = make
    return make


def parsed(cls, *values):
    """An instance of the frozen, slotted dataclass ``cls`` with ``values`` set, without
    ``__init__`` and ``__post_init__`` (see :func:`maker`)."""
    make = _MAKERS.get(cls) or maker(cls)
    return make(*values)
