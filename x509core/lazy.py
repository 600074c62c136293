"""Names of a package imported on first use (PEP 562), for the packages that re-export their
modules' names: ``import x509core`` or ``x509core.cert`` does not import every module below
it, so a command that only reads a certificate does not pay for builders, CRLs or key
generation (issue 17, CLI start-up). A name, once loaded, is kept in the package's namespace.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, names: dict[str, str], submodules=frozenset()):
    """The ``__getattr__`` and ``__dir__`` of ``package``: each of ``names`` (name -> the
    module below ``package`` that defines it, e.g. ``"revocation.crl"``) and each of
    ``submodules`` (names of modules below ``package``) imported when first asked for."""
    def __getattr__(name: str):
        if name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        elif name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names) | set(submodules))

    return __getattr__, __dir__
