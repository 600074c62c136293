"""Enrollment tokens (issue 12): what a token allows, and holding a request to it.

An administrator makes a token for one device (``x509core token create``, later the admin
page): a profile (client or server) and constraints on what the certificate may contain, a
lifetime and a number of uses. The device presents it once, as the password of EST
``simpleenroll`` (HTTP Basic) or as the bearer token of the seed API's ``/client/registe``.
The token is ``<id>.<secret>``; the inventory stores only the secret's SHA-256
(``x509core/ca/inventory/tokens.py`` says why a fast hash is enough for a 256-bit secret).

Constraints (:class:`TokenConstraints`), each optional unless said otherwise:

    client   organization (O), client id (CN), machine id (the binding's value), binding
             (where the binding is carried: "seed", the seed system's extensions, the
             default; "san", subjectAltName URNs that every TLS stack reads, Go's included)
    server   DNS names and IP addresses (at least one: a server token must say what it may
             certify), organization (O)

What the request gives must equal what the token says (a subset, for a server's names); what
the request leaves out, the token fills in; anything else is refused with one line
(:class:`NotAllowed`). So a token made for CT01WORKSTATION1 cannot enroll the PACS, and a
modality needs nothing but a key and its token.

An enrollment, step by step (the service's handlers call these in this order):

1. :func:`authenticate`: the token exists, the secret's hash matches (compared in constant
   time), and it is unexpired, unrevoked and has a use left. Nothing is spent.
2. :func:`client_arguments` / :func:`server_arguments` / :func:`csr_arguments`: what the
   certificate will contain, checked against the constraints.
3. :func:`issue_with_token`: the CA's own checks of every input (the same as ``x509core
   issue``) run first; then the use is spent in the very transaction that reserves the
   certificate's serial (``CertificateAuthority.acting_as``), so a use is paid only by a
   reservation and a reservation is never made without its use. A malformed request, a refused
   one, or one that loses the race for the last use (the spend is one conditional UPDATE)
   costs nothing and signs nothing.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from x509core.ca.issuance import inputs, names
from x509core.ca.inventory import Inventory, Token, TokenRefused
from x509core.ca.inventory.records import PROFILES, Actor
from x509core.ca.inventory.tokens import hash_token_secret, new_token_secret, split_token
from x509core.cert import oids
from x509core.cert.csr import CertificateSigningRequest
from x509core.cert.extensions.binding import requested_carrier
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.errors import InvalidValue

__all__ = ["TokenConstraints", "NotAllowed", "SUPPORTED_BINDINGS", "MAX_TTL", "MAX_USES",
           "create_token", "revoke_token", "token_state", "authenticate", "client_arguments",
           "server_arguments", "csr_arguments", "issue_with_token"]

# Where a client certificate's machine binding may be carried (x509core/cert/extensions/binding.py).
SUPPORTED_BINDINGS = ("seed", "san")
MAX_TTL = timedelta(days=365)
MAX_USES = 100_000
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")             # secrets.token_urlsafe's alphabet


class NotAllowed(InvalidValue):
    """A request asks for something its enrollment token does not allow."""


@dataclass(frozen=True)
class TokenConstraints:
    """What a certificate issued with a token may contain (module docstring)."""

    profile: str
    organization: str | None = None
    client_id: str | None = None
    machine_id: str | None = None
    dns: tuple[str, ...] = ()
    ip: tuple[str, ...] = ()
    binding: str | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise InvalidValue(f"a token's profile is client or server, not {self.profile!r}")
        if self.organization is not None:
            inputs.check_text(self.organization, "organization")
        if self.profile == "client":
            self._check_client()
        else:
            self._check_server()

    def _check_client(self) -> None:
        if self.dns or self.ip:
            raise InvalidValue("a client token takes no DNS names or IP addresses")
        if self.client_id is not None:
            inputs.check_client_id(self.client_id)
        binding = self.binding or "seed"
        if binding not in SUPPORTED_BINDINGS:
            raise InvalidValue(f"binding must be one of {', '.join(SUPPORTED_BINDINGS)}, "
                               f"not {binding!r}")
        object.__setattr__(self, "binding", binding)
        if self.machine_id is not None:      # "san" carries a UUID only (urn:uuid:, RFC 9562)
            object.__setattr__(self, "machine_id",
                               inputs.check_binding_id(self.machine_id, binding))

    def _check_server(self) -> None:
        if self.client_id is not None or self.machine_id is not None or self.binding:
            raise InvalidValue("a server token takes no client id, machine id or binding")
        if not self.dns and not self.ip:
            raise InvalidValue("a server token must name the DNS names or IP addresses it may "
                               "certify (--dns, --ip)")
        object.__setattr__(self, "dns", tuple(_dns_name(name) for name in self.dns))
        object.__setattr__(self, "ip", tuple(_ip_address(address) for address in self.ip))

    def to_json(self) -> dict:
        """The stored form (the profile has a column of its own)."""
        values = {"organization": self.organization, "client_id": self.client_id,
                  "machine_id": self.machine_id, "dns": list(self.dns), "ip": list(self.ip),
                  "binding": self.binding}
        return {key: value for key, value in values.items() if value not in (None, [])}

    @classmethod
    def of(cls, token: Token) -> "TokenConstraints":
        c = token.constraints
        return cls(profile=token.profile, organization=c.get("organization"),
                   client_id=c.get("client_id"), machine_id=c.get("machine_id"),
                   dns=tuple(c.get("dns", ())), ip=tuple(c.get("ip", ())),
                   binding=c.get("binding"))

    def describe(self) -> str:
        """One line for listings: ``client id=CT01WORKSTATION1 machine=...``."""
        parts = [self.profile]
        for label, value in (("org", self.organization), ("client-id", self.client_id),
                             ("machine-id", self.machine_id), ("binding", self.binding)):
            if value is not None:
                parts.append(f"{label}={value}")
        parts += [f"dns={name}" for name in self.dns] + [f"ip={address}" for address in self.ip]
        return " ".join(parts)


def _dns_name(name: str) -> str:
    """A DNS name as the CA certifies it (``x509core/ca/issuance/names.py``), in lower case."""
    return names.check_dns_name(name).lower()


def _ip_address(text: str) -> str:
    return str(names.ip_address_entry(text))


# -- making, revoking, describing -----------------------------------------------------------------

def create_token(inventory: Inventory, constraints: TokenConstraints, *, ttl: timedelta,
                 uses: int = 1, actor: Actor = Actor(), at: datetime | None = None
                 ) -> tuple[Token, str]:
    """A new token: (its stored row, ``"<id>.<secret>"`` to show once and never again)."""
    if not isinstance(ttl, timedelta) or not timedelta(0) < ttl <= MAX_TTL:
        raise InvalidValue(f"a token lives more than 0 seconds and at most {MAX_TTL.days} days")
    if not isinstance(uses, int) or isinstance(uses, bool) or not 1 <= uses <= MAX_USES:
        raise InvalidValue(f"a token allows 1 to {MAX_USES} uses")
    now = (at or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    token_id, secret = new_token_secret()
    token = inventory.add_token(
        token_id=token_id, secret_hash=hash_token_secret(secret), profile=constraints.profile,
        constraints=constraints.to_json(), expires_at=now + ttl, uses=uses,
        created_by=actor.name, at=now,
        audit=actor.event("token-create", token_id, detail=f"{constraints.describe()}; "
                          f"{uses} use(s) until {now + ttl:%Y-%m-%dT%H:%M:%SZ}"))
    return token, f"{token_id}.{secret}"


def revoke_token(inventory: Inventory, token_id: str, *, actor: Actor = Actor()) -> Token:
    """Revoke a token: no use of it is accepted from now on."""
    if len(token_id) != 16 or any(c not in "0123456789abcdef" for c in token_id):
        raise InvalidValue(f"not a token id (16 hexadecimal digits, as `token list` shows): "
                           f"{token_id!r}")
    if inventory.token(token_id) is None:
        raise InvalidValue(f"unknown enrollment token {token_id}")
    return inventory.revoke_token(token_id, audit=actor.event("token-revoke", token_id))


def token_state(token: Token, at: datetime | None = None) -> str:
    """active, revoked, expired or spent."""
    at = at or datetime.now(timezone.utc)
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= at:
        return "expired"
    if token.uses_spent >= token.uses_allowed:
        return "spent"
    return "active"


# -- an enrollment --------------------------------------------------------------------------------

def authenticate(inventory: Inventory, presented: str, at: datetime | None = None
                 ) -> tuple[Token, str]:
    """Step 1: (the token, its secret's hash) if ``presented`` is a token that may be spent
    now; else :class:`TokenRefused` with ``.reason`` malformed, unknown, wrong-secret,
    revoked, expired or spent. Nothing is spent."""
    try:
        token_id, secret = split_token(presented)
    except InvalidValue:
        raise TokenRefused("malformed", "-") from None
    if not _SECRET.fullmatch(secret):                # what token_urlsafe writes, nothing else:
        raise TokenRefused("malformed", token_id)    # no byte that is not text gets hashed
    token, secret_hash = inventory.token(token_id), hash_token_secret(secret)
    if token is None:
        raise TokenRefused("unknown", token_id)
    # The hash of a 256-bit secret; compared in constant time all the same.
    if not hmac.compare_digest(token.secret_hash, secret_hash):
        raise TokenRefused("wrong-secret", token_id)
    state = token_state(token, at)
    if state != "active":
        raise TokenRefused(state, token_id)
    return token, secret_hash


def _same(requested: str | None, allowed: str | None, what: str) -> str | None:
    """The value to certify: the request's if the token allows it, else the token's."""
    if allowed is None or requested is None:
        return allowed if requested is None else requested
    if not hmac.compare_digest(requested.encode("utf-8"), allowed.encode("utf-8")):
        raise NotAllowed(f"the enrollment token allows {what} {allowed!r}, not {requested!r}")
    return requested


def client_arguments(constraints: TokenConstraints, *, org: str | None, client_id: str | None,
                     machine_id: str | None, mac: str | None = None) -> dict:
    """Step 2 for a client certificate: ``issue_client`` keyword arguments."""
    if constraints.profile != "client":
        raise NotAllowed("the enrollment token is for a server certificate, not a client one")
    arguments = {"org": _same(org, constraints.organization, "organization"),
                 "client_id": _same(client_id, constraints.client_id, "client id"),
                 "machine_id": _same(machine_id, constraints.machine_id, "machine id"),
                 "mac": mac, "binding": constraints.binding}
    for name, what in (("org", "an organization (O)"), ("client_id", "a client id (CN)")):
        if arguments[name] is None:
            raise InvalidValue(f"the request names no {what} and the token fixes none")
    return arguments


def server_arguments(constraints: TokenConstraints, *, dns=(), ip=(),
                     common_name: str | None = None, org: str | None = None) -> dict:
    """Step 2 for a server certificate: ``issue_server`` keyword arguments. The names asked
    for must be among the token's (all of them when none are asked for); a CN, if asked for,
    must be one of those names."""
    if constraints.profile != "server":
        raise NotAllowed("the enrollment token is for a client certificate, not a server one")
    dns = [_dns_name(name) for name in dns]
    ip = [_ip_address(address) for address in ip]
    if not dns and not ip:
        dns, ip = list(constraints.dns), list(constraints.ip)
    for name in dns:
        if name not in constraints.dns:
            raise NotAllowed(f"the enrollment token does not allow the DNS name {name!r}")
    for address in ip:
        if address not in constraints.ip:
            raise NotAllowed(f"the enrollment token does not allow the IP address {address}")
    if common_name is not None and common_name.lower() not in (*dns, *ip):
        raise NotAllowed(f"the common name {common_name!r} is not one of the names certified")
    return {"dns": dns, "ip": ip, "common_name": common_name,
            "org": _same(org, constraints.organization, "organization")}


def csr_arguments(constraints: TokenConstraints, csr: CertificateSigningRequest) -> dict:
    """Step 2 from a PKCS #10 request (EST): what it asks for, held to the token. The CA takes
    only these parts of a request (``x509core/ca/issuance/inputs.py``)."""
    subject = csr.subject
    org, cn = _plain(subject.organization), _plain(subject.common_name)
    if constraints.profile == "client":
        # A request whose carriers disagree is refused; the token decides the carrier.
        requested_carrier(csr.machine_binding, constraints.binding)
        return client_arguments(constraints, org=org, client_id=cn,
                                machine_id=_plain(csr.machine_identity),
                                mac=_plain(csr.mac_address))
    extension = csr.extension(oids.OID_SUBJECT_ALT_NAME)
    names = () if extension is None else extension.value.names
    return server_arguments(constraints, org=org, common_name=cn,
                            dns=[n.value for n in names if isinstance(n, DNSName)],
                            ip=[str(n.value) for n in names if isinstance(n, IPAddress)])


def _plain(value) -> str | None:
    """A plain ``str`` of a parsed attribute value (the DER layer's string subclasses)."""
    return None if value is None else str(value)


def issue_with_token(ca, token: Token, secret_hash: str, arguments: dict, *, actor: Actor,
                     action: str, csr: CertificateSigningRequest | None = None,
                     key_bits: int = 2048, **options):
    """Step 3: issue with ``arguments`` (from step 2), the key from ``csr`` or, without one, a
    new RSA-``key_bits`` key returned in ``Issued.private_key``; one use of ``token`` spent
    with the reservation. TokenRefused if the token was spent, revoked or expired since step
    1 (nothing was reserved or signed then). ``options``: ``days`` or ``not_after``."""
    def spend(tx):
        spent = ca.inventory.spend_token_in(tx, token.id, secret_hash)
        ca.inventory.append_audit_in(tx, actor.event(
            "token-use", token.id, detail=f"{action}: use {spent.uses_spent} of "
                                          f"{spent.uses_allowed}"))
    with ca.acting_as(actor, action=action, spend=spend):
        if token.profile == "client":
            return ca.issue_client(csr=csr, key_bits=key_bits, **arguments, **options)
        return ca.issue_server(csr=csr, key_bits=key_bits, **arguments, **options)
