"""``python -m x509core``: the command line of :mod:`x509core.ca.cli` (also the ``x509core``
console script). ``asn1parse`` is one of its subcommands: a strict DER listing of a file."""

from __future__ import annotations

import sys

from x509core.ca.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
