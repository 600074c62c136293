"""``x509core`` (also ``python -m x509core``): the certificate authority's command line.

This module parses the arguments, runs one subcommand and maps errors to exit statuses; the
subcommands live in ``ca.py`` (the CA, keys, CSRs, PKCS#12), ``issue.py`` (issuance),
``inventory.py`` (show, list, revoke, crl, renew, asn1parse), ``verify.py`` (verify,
machine-id), ``tokens.py`` (token, audit), ``admins.py`` (admin) and ``quickstart.py``.
The work itself is done by :mod:`x509core.ca.issuance` (the CertificateAuthority) and the
layers below.

Exit statuses: 0 success (``verify``: the certificate is valid); 1 ``verify`` found the
certificate invalid; 2 a usage or input error — always one line on stderr,
``x509core: error: ...``, never a traceback unless ``--debug`` is given; 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from x509core.ca.cli.support import CA_DIR_ENV, CLIError, Context, error_text
from x509core.safe_text import escape_controls
from x509core.errors import X509CoreError

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_INVALID", "EXIT_ERROR"]

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
_SURROGATE = re.compile("[\ud800-\udfff]")

_EPILOG = f"""\
The CA directory is --ca-dir DIR, else ${CA_DIR_ENV}, else ./ca.
Passphrases: --passphrase-file FILE, else $X509CORE_PASSPHRASE, else a prompt (CA key);
--key-passphrase-file / $X509CORE_KEY_PASSPHRASE (other keys);
--password-file / $X509CORE_PKCS12_PASSWORD (PKCS#12; admin add: $X509CORE_ADMIN_PASSWORD).
Exit status: 0 ok, 1 verify: invalid, 2 usage or input error."""


class _UsageError(Exception):
    """An argparse usage error, reported as one line (argparse would print the usage too)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):             # argparse's hook; never returns
        raise _UsageError(f"{self.prog}: error: {message} (see --help)")


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """Options every subcommand takes, before or after its name."""
    common = _Parser(add_help=False)
    default = (lambda value: value) if defaults else (lambda value: argparse.SUPPRESS)
    common.add_argument("--debug", action="store_true", default=default(False),
                        help="show the traceback of an error")
    common.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="no progress or status lines on stderr")
    common.add_argument("--ca-dir", metavar="DIR", default=default(None),
                        help=f"the CA directory (default: ${CA_DIR_ENV}, else ./ca)")
    common.add_argument("--inventory", metavar="URL", default=default(None),
                        help="a postgresql:// inventory shared by several CA nodes (default: "
                             "$X509CORE_INVENTORY, else the one the CA directory records, else "
                             "its SQLite file)")
    common.add_argument("--passphrase-file", metavar="FILE", default=default(None),
                        help="the CA key passphrase (first line; else $X509CORE_PASSPHRASE, "
                             "else a prompt)")
    return common


# The command (the first positional argument) -> the module of this package that registers
# it, in the order of ``x509core --help``. A run parses with its command's module alone, so
# ``x509core show`` imports what ``show`` needs and no more (issue 17, CLI start-up).
_COMMANDS = {
    "quickstart": "quickstart", "ca": "ca", "keygen": "ca", "csr": "ca", "export-pkcs12": "ca",
    "issue": "issue", "verify": "verify", "machine-id": "verify", "show": "inventory",
    "list": "inventory", "revoke": "inventory", "crl": "inventory", "renew": "inventory",
    "asn1parse": "inventory", "inventory": "inventory", "lint": "lint", "token": "tokens",
    "audit": "tokens", "doctor": "doctor", "admin": "admins"}
_MODULES = ("quickstart", "ca", "issue", "verify", "inventory", "lint", "tokens", "doctor",
            "admins")
# Options before the command that take a value as the next argument (``_common_options``).
_VALUE_OPTIONS = ("--ca-dir", "--inventory", "--passphrase-file")


def build_parser(extra_modules=(), command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line: every subcommand and option; with ``command`` (a name of
    :data:`_COMMANDS`) only the subcommands of the module that registers it, which parses that
    command's arguments exactly as the whole parser does. ``extra_modules`` (each with
    ``register(sub, common)``) add commands of the layers above ``ca``: ``x509core.__main__``
    passes the service's (``x509core serve``), which this layer may not import."""
    from x509core import __version__
    parser = _Parser(prog="x509core", parents=[_common_options(True)], epilog=_EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="A certificate authority for DICOM and HTTPS links, on a "
                                 "transparent pure-Python X.509 engine.")
    parser.add_argument("--version", action="version", version=f"x509core {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _common_options(False)
    names = (_COMMANDS[command],) if command in _COMMANDS else _MODULES
    for name in names:
        importlib.import_module(f"x509core.ca.cli.{name}").register(sub, common)
    for module in extra_modules:
        module.register(sub, common)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The command name ``argv`` most likely runs (the first argument that names one and is
    not an option's value), or None. A guess only: see :func:`_parse`."""
    previous = ""
    for argument in argv:
        if argument in _COMMANDS and not (previous.startswith("--") and "=" not in previous
                                          and any(o.startswith(previous) for o in _VALUE_OPTIONS)):
            return argument
        if argument in ("--", "-h") or (len(argument) > 2 and "--help".startswith(argument)):
            return None                         # the whole parser's help lists every command
        previous = argument
    return None


def _parse(argv: list[str] | None, extra_modules=()) -> argparse.Namespace:
    """The arguments, parsed with the parser of the command ``argv`` names; when that parse
    fails (a wrong guess, or an error to report) the whole parser parses again, so that every
    outcome and message is the whole parser's."""
    command = _command_in(sys.argv[1:] if argv is None else argv)
    if command is not None:
        try:
            return build_parser(extra_modules, command).parse_args(argv)
        except _UsageError:
            pass
    return build_parser(extra_modules).parse_args(argv)


def _run(argv: list[str] | None, debug_hint: list[bool], extra_modules=()) -> int:
    try:
        args = _parse(argv, extra_modules)
    except _UsageError as exc:
        print(escape_controls(f"{exc}"), file=sys.stderr)
        return EXIT_ERROR
    debug_hint[0] = args.debug
    _check_text_arguments(args)
    ctx = Context(args)
    try:
        return args.run(ctx)
    finally:
        ctx.close()


# Arguments that name files: any bytes the file system allows (an argument that is not UTF-8
# arrives with surrogate escapes, which open() turns back into the same bytes).
_PATH_ARGUMENTS = frozenset({
    "out", "key_out", "public_out", "csr", "key", "cert", "chain", "leaf", "ca", "intermediate",
    "crl", "ca_dir", "passphrase_file", "key_passphrase_file", "password_file", "directory",
    "what", "file", "files"})


def _check_text_arguments(args: argparse.Namespace) -> None:
    """Every other argument is text (a name, an id, a time, a number): one whose bytes are not
    UTF-8 (a lone surrogate in Python) is a usage error here, rather than an encoding error
    wherever the value is first used (issue 16: ``verify --machine`` with such bytes)."""
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        if dest in _PATH_ARGUMENTS or not all(isinstance(v, str) for v in values):
            continue
        if any(_SURROGATE.search(v) for v in values):
            option = "SERIAL" if dest == "serial" else "--" + dest.replace("_", "-")
            raise CLIError(f"{option}: the argument is not valid UTF-8 text")


def main(argv: list[str] | None = None, extra_modules=()) -> int:
    """Run one command; returns the exit status (the console script passes it to sys.exit).
    ``extra_modules``: as for :func:`build_parser`."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = ["--debug" in argv]
    try:
        return _run(argv, debug, extra_modules)
    except SystemExit as exc:                  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except BrokenPipeError:                    # `x509core show ... | head`: the reader left
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        if debug[0]:
            raise
        print("x509core: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (X509CoreError, OSError) as exc:
        if debug[0]:
            raise
        print(f"x509core: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:                   # a bug: still one line, the traceback on --debug
        if debug[0]:
            raise
        print(f"x509core: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(run again with --debug for the traceback)", file=sys.stderr)
        return EXIT_ERROR


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):   # not a real file (tests capture stdout)
        pass


def _one_line(exc: BaseException) -> str:
    """The error as one line: control characters escaped, LF included (a file name or a
    certificate's name in the message may hold any)."""
    return escape_controls(error_text(exc).strip())


if __name__ == "__main__":
    sys.exit(main())
