"""``python -m x509core`` and the ``x509core`` console script: the certificate authority's
command line (:mod:`x509core.ca.cli`) with the commands of the layers above it composed in
(``x509core serve``, :mod:`x509core.service.cli`). This module is the top of the stack, so it
alone may import both; ``asn1parse`` and every other CA command come from ``ca``."""

from __future__ import annotations

import sys

from x509core.ca.cli import main as _ca_main
from x509core.service import cli as _service_cli

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    return _ca_main(argv, extra_modules=(_service_cli,))


if __name__ == "__main__":
    sys.exit(main())
