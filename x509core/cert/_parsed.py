"""Making value objects from fields the strict DER reader has just checked.

The constructors of Name, AttributeTypeAndValue, RelativeDistinguishedName and Extension check
their arguments by re-encoding them; for values built by hand that is the right check. For values
read from DER it only repeats what strict parsing established (the bytes *are* the canonical
encoding), and it cost about 40% of a certificate load, so the readers use :func:`parsed` instead.
Nothing else may use it.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache

__all__ = ["parsed"]


@cache
def _field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def parsed(cls, *values):
    """An instance of the frozen dataclass ``cls`` with ``values`` set, without ``__post_init__``."""
    names = _field_names(cls)
    if len(values) != len(names):
        raise TypeError(f"{cls.__name__} has {len(names)} fields, not {len(values)}")
    obj = object.__new__(cls)
    for name, value in zip(names, values):
        object.__setattr__(obj, name, value)
    return obj
