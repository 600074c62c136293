"""``python -m x509core`` / ``x509core``: the command line.

Until the certificate authority lands, it offers ``asn1parse``: the strict DER listing of a DER
or PEM file. Bad input is one line on stderr and exit status 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from x509core import pem
from x509core.der.dump import dump
from x509core.errors import X509CoreError

__all__ = ["main"]


def _asn1parse(args: argparse.Namespace) -> int:
    raw = Path(args.file).read_bytes() if args.file != "-" else sys.stdin.buffer.read()
    if raw.lstrip().startswith(b"-----BEGIN"):
        blocks = pem.decode(raw)
    else:
        blocks = [("DER", raw)]
    for label, der in blocks:
        if len(blocks) > 1:
            print(f"# {label}")
        sys.stdout.write(dump(der))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="x509core", description="x509core command line")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("asn1parse", help="list the DER elements of a DER or PEM file (strict DER)")
    p.add_argument("file", help="a DER or PEM file, or - for standard input")
    p.set_defaults(run=_asn1parse)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (X509CoreError, OSError) as exc:
        if args.debug:
            raise
        print(f"x509core: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
