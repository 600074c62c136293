"""``x509core serve``: the command that runs the service. Registering it imports nothing of
the service's dependencies, so the CA's command line keeps working without aiohttp; running it
without aiohttp stops with one line that says how to install it."""

from __future__ import annotations

import importlib
import ipaddress
import re
from dataclasses import dataclass

from x509core.ca.cli.support import CLIError, Context

__all__ = ["ServeOptions", "register", "run_serve", "parse_address", "serve_options"]

_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]*)):(?P<port>[0-9]{1,5})$")
# x509core is installed from its source, not an index: the extra, or its packages by name.
_INSTALL = ("python3 -m pip install '.[server]' in x509core's source, or python3 -m pip "
            "install aiohttp")


@dataclass(frozen=True)
class ServeOptions:
    """What ``x509core serve`` was asked for."""

    listen: tuple[str, int]
    http_listen: tuple[str, int] | None = None
    public_url: str | None = None
    dns: tuple[str, ...] = ()
    ip: tuple[str, ...] = ()


def register(sub, common) -> None:
    s = sub.add_parser("serve", parents=[common], help="run the service in the foreground: "
                       "EST, OCSP, the CRL and the seed system's /ca over HTTPS")
    s.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="the HTTPS listener ([::1]:8443 for IPv6; port 0: a free port, logged)")
    s.add_argument("--http-listen", metavar="HOST:PORT",
                   help="also plain HTTP for relying parties: /crl and /ocsp only")
    s.add_argument("--public-url", metavar="URL",
                   help="http://host[:port] where relying parties reach /crl and /ocsp; "
                        "certificates the service issues point there")
    s.add_argument("--dns", action="append", default=[], metavar="NAME",
                   help="a DNS name of the service's HTTPS certificate (repeatable)")
    s.add_argument("--ip", action="append", default=[], metavar="ADDR",
                   help="an IP address of the service's HTTPS certificate (repeatable)")
    s.set_defaults(run=run_serve)


def parse_address(text: str, option: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[V6]:PORT`` as (host, port)."""
    match = _HOST_PORT.match(text.strip())
    port = int(match.group("port")) if match else -1
    if match is None or not 0 <= port <= 65535:
        raise CLIError(f"{option} must be HOST:PORT (or [IPv6]:PORT), not {text!r}")
    return match.group("v6") or match.group("host"), port


def _default_names(host: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of the HTTPS certificate when none are given: the listening host."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host:
            return (host,), ()
    else:
        if not address.is_unspecified:
            return (), (str(address),)
    raise CLIError("give the names clients use to reach the service: --dns NAME and/or "
                   "--ip ADDR (its HTTPS certificate is issued for them)")


def serve_options(args) -> ServeOptions:
    """The checked options of ``x509core serve``."""
    listen = parse_address(args.listen, "--listen")
    http_listen = parse_address(args.http_listen, "--http-listen") if args.http_listen else None
    dns, ip = tuple(args.dns), tuple(args.ip)
    for address in ip:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise CLIError(f"--ip {address!r} is not an IP address") from None
    if not dns and not ip:
        dns, ip = _default_names(listen[0])
    public_url = None
    if args.public_url:
        from x509core.ca.issuance.inputs import check_public_url
        public_url = check_public_url(args.public_url)
    return ServeOptions(listen, http_listen, public_url, dns, ip)


def run_serve(ctx: Context) -> int:
    options = serve_options(ctx.args)
    try:
        importlib.import_module("aiohttp")      # the service's one dependency, an optional extra
    except ImportError:
        raise CLIError(f"x509core serve needs aiohttp: install it with {_INSTALL}") from None
    from x509core.service import server
    ca = ctx.open_ca()                       # the passphrase is asked for once, here
    if options.public_url and options.http_listen is None:
        ctx.warn("--public-url without --http-listen: relying parties must reach /crl and "
                 "/ocsp over plain HTTP through something else")
    return server.run(ca, options, quiet=bool(getattr(ctx.args, "quiet", False)))
