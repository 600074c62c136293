"""The machine binding whichever way a certificate carries it (issue 15).

Two carriers, chosen per certificate:

``seed``
    The seed system's private extensions ``1.3.6.1.4.15967132172.1`` (machine identity) and
    ``.2`` (MAC address), :mod:`x509core.cert.extensions.machine`. The mission's default. The arc
    15967132172 is above 2^31, and Go's ``crypto/x509`` refuses the whole certificate for it
    (``x509: malformed extension OID field``, critical or not), so no Go relying party (Traefik,
    Caddy, Vault, Kubernetes, step-ca, Go DICOMweb gateways) can accept such a client.

``san``
    Uniform resource names in the subjectAltName (RFC 5280 §4.2.1.6), which every X.509 stack
    parses and exposes (Go's ``Certificate.URIs``, OpenSSL, GnuTLS, NSS, pyca, Java, .NET). A
    certificate that uses it carries no extension with an arc above 2^31.

    * the machine identity as ``urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx``: the derived
      identity (``x509core/ca/machine.py``) *is* a UUID (version 4, variant 10, RFC 9562 §5.4),
      and ``urn:uuid:`` is its registered URN form (RFC 9562 §4 and the namespace registration
      of RFC 4122 §3), lower-case hex digits as RFC 9562 §4 asks of output;
    * the MAC address as ``urn:dev:mac:aabbccddeeff``: the IANA-registered ``dev`` URN namespace
      of RFC 9039 is made for hardware identifiers, and its ``mac`` subtype (§4.1) carries an
      IEEE EUI-48 (or EUI-64) address as hex digits without separators, written here in lower
      case. An EUI-48 is the six-octet address of RFC 7042 §2.1 (``18-C0-4D-FA-C0-A8`` in the
      hyphenated notation of RFC 7042 §1.1, ``18:c0:4d:fa:c0:a8`` as Linux shows it and the
      seed system binds it).

    Why URNs and not another form. Both are absolute URIs with a scheme (``urn``) and a
    scheme-specific part, as RFC 5280 §4.2.1.6 requires ("MUST NOT be a relative URI"), in
    namespaces whose syntax is fixed by an RFC, so two readers cannot read them differently.
    They have no authority component, so §4.2.1.6's rule that an authority "MUST include a
    fully qualified domain name or IP address as the host" does not apply. An otherName with a
    private OID would be invisible to most relying parties (Go drops it), and an ``https:`` URI
    would pretend to name a resource on a host. The cost of URNs is name constraints: RFC 5280
    §4.2.1.10 applies a URI constraint to "the host part of the name", and a URN has none, so
    x509core, Go and OpenSSL all refuse a URN-carrying certificate under a CA with any URI
    constraint (permitted or excluded). A CA that constrains URIs cannot issue ``san``-bound
    clients; DNS, IP and directory-name constraints do not affect them.

    The raw machine id of ``--raw`` (the seed system's form, 16 to 128 letters and digits) is
    not a UUID in general, and binding it exists only for sites that run the seed system, which
    reads its own extensions alone; the ``san`` carrier therefore takes a 32-hex-digit UUID only
    (the CLI refuses ``--binding san --raw``).

Reading. :func:`read_machine_binding` collects both carriers from any extensions (a
certificate's, a CSR's extensionRequest, a builder's) into a :class:`MachineBinding`. Only
subjectAltName URIs whose scheme and namespace are these two are read as the binding
(``urn``/``uuid``/``dev`` case-insensitively, RFC 8141 §3.1); a ``urn:uuid:`` or
``urn:dev:mac:`` URI whose rest is not the form above is kept as written, so that it never
equals an identity or address a relying party expects (it fails closed). A certificate that
carries the binding twice (both carriers, or two different URNs of one kind) with different
values has a *conflict*: the medical-imaging policy refuses it (``machine_binding_mismatch``)
and ``machine_identity``/``mac_address`` raise :class:`InvalidValue` rather than pick one.
Every comparison of binding values is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from x509core.cert import oids
from x509core.cert.extensions import MalformedExtension, SubjectAlternativeName
from x509core.cert.extensions.machine import MacAddress, MachineIdentity
from x509core.cert.names.general_name import UniformResourceIdentifier
from x509core.errors import InvalidValue

__all__ = ["CARRIERS", "URN_UUID", "URN_DEV_MAC", "MachineBinding", "identity_urn", "mac_urn",
           "identity_from_uri", "mac_from_uri", "canonical_identity", "canonical_mac",
           "read_machine_binding", "requested_carrier", "binding_extensions"]

CARRIERS = ("seed", "san")
URN_UUID = "urn:uuid:"             # RFC 9562 §4; the namespace of RFC 4122 §3
URN_DEV_MAC = "urn:dev:mac:"       # RFC 9039 §4.1
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                        r"[0-9a-fA-F]{12}")
_HEX12 = re.compile(r"[0-9a-fA-F]{12}")
_MAC_TEXT = re.compile(r"[0-9a-fA-F]{2}(?P<sep>[:-])[0-9a-fA-F]{2}(?:(?P=sep)[0-9a-fA-F]{2}){4}")


def identity_urn(identity: str) -> str:
    """``urn:uuid:`` and the 8-4-4-4-12 form of a 32-hex-digit identity (RFC 9562 §4)."""
    if not isinstance(identity, str):
        raise TypeError("the machine identity must be a str")
    if not _HEX32.fullmatch(identity):
        raise InvalidValue(f"a subjectAltName binding carries a UUID (32 hex digits, as "
                           f"`x509core machine-id` prints), not {identity!r}; the seed system's "
                           "raw ids go in its extensions (binding 'seed')")
    h = identity.lower()
    return f"{URN_UUID}{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def mac_urn(mac: str) -> str:
    """``urn:dev:mac:`` and the twelve hex digits of an EUI-48 ``aa:bb:cc:dd:ee:ff`` (or with
    ``-``, RFC 7042 §1.1), lower case (RFC 9039 §4.1)."""
    if not isinstance(mac, str):
        raise TypeError("the MAC address must be a str")
    if not _MAC_TEXT.fullmatch(mac):
        raise InvalidValue(f"MAC address must look like aa:bb:cc:dd:ee:ff, not {mac!r}")
    return URN_DEV_MAC + mac.replace(":", "").replace("-", "").lower()


def _urn_rest(uri: str, prefix: str) -> str | None:
    # RFC 8141 §3.1: the "urn" scheme and the namespace identifier are case-insensitive.
    return uri[len(prefix):] if uri[:len(prefix)].lower() == prefix else None


def identity_from_uri(uri: str) -> str | None:
    """The identity a ``urn:uuid:`` URI carries: its 32 lower-case hex digits, or the whole URI
    when the rest is not a UUID (never equal to an identity); None for any other URI."""
    rest = _urn_rest(uri, URN_UUID)
    if rest is None:
        return None
    # RFC 9562 §4: hex digits "are case insensitive on input".
    return rest.replace("-", "").lower() if _UUID_TEXT.fullmatch(rest) else uri


def mac_from_uri(uri: str) -> str | None:
    """The MAC address a ``urn:dev:mac:`` URI carries as ``aa:bb:cc:dd:ee:ff``, or the whole URI
    when the rest is not twelve hex digits (an EUI-64 is not a MAC this binding uses); None for
    any other URI."""
    rest = _urn_rest(uri, URN_DEV_MAC)
    if rest is None:
        return None
    if not _HEX12.fullmatch(rest):
        return uri
    rest = rest.lower()
    return ":".join(rest[i:i + 2] for i in range(0, 12, 2))


def canonical_identity(value: str) -> str:
    """An identity as the ``san`` carrier holds it: 32 lower-case hex digits for a UUID given
    with or without dashes, in either case (RFC 9562 §4); anything else unchanged."""
    if _HEX32.fullmatch(value) or _UUID_TEXT.fullmatch(value):
        return value.replace("-", "").lower()
    return value


def canonical_mac(value: str) -> str:
    """A MAC address for comparison: lower case, ``-`` read as ``:`` (RFC 7042 §1.1 writes
    hyphens, Linux colons)."""
    return value.strip().lower().replace("-", ":")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class MachineBinding:
    """The machine binding of one certificate or request, carrier by carrier.

    ``seed_identity``/``seed_mac``: the values of the seed extensions as written (None when
    absent). ``san_identities``/``san_macs``: the values of the subjectAltName URNs, in the
    canonical forms of :func:`identity_from_uri` and :func:`mac_from_uri`, each once."""

    seed_identity: str | None = None
    seed_mac: str | None = None
    san_identities: tuple[str, ...] = ()
    san_macs: tuple[str, ...] = ()

    @property
    def carriers(self) -> tuple[str, ...]:
        """The carriers present: ``()``, ``("seed",)``, ``("san",)`` or ``("seed", "san")``."""
        seed = self.seed_identity is not None or self.seed_mac is not None
        san = bool(self.san_identities or self.san_macs)
        return tuple(name for name, here in (("seed", seed), ("san", san)) if here)

    @property
    def carrier(self) -> str | None:
        """``"seed"``, ``"san"``, ``"both"``, or None when nothing is bound."""
        carriers = self.carriers
        return None if not carriers else carriers[0] if len(carriers) == 1 else "both"

    def identities(self) -> list[tuple[str, str]]:
        """(carrier, identity) for every identity carried."""
        seed = [] if self.seed_identity is None else [("seed", self.seed_identity)]
        return seed + [("san", value) for value in self.san_identities]

    def macs(self) -> list[tuple[str, str]]:
        """(carrier, MAC address) for every MAC address carried (the seed's as written)."""
        seed = [] if self.seed_mac is None else [("seed", self.seed_mac)]
        return seed + [("san", value) for value in self.san_macs]

    def conflict(self) -> str | None:
        """Why the values carried disagree, or None. The seed identity must equal the URN's
        32 lower-case hex digits exactly; MAC addresses are compared as :func:`canonical_mac`
        makes them. Constant-time comparisons."""
        for what, values, norm in (("machine identity", self.identities(), str),
                                   ("MAC address", self.macs(), canonical_mac)):
            first = values[0][1] if values else None
            if any(not _same(norm(first), norm(value)) for _, value in values[1:]):
                places = " and ".join(sorted({_PLACES[carrier] for carrier, _ in values}))
                return f"the {places} carry different {what} values"
        return None

    @property
    def machine_identity(self) -> str | None:
        """The identity bound, whichever carrier holds it; InvalidValue on a conflict."""
        return self._agreed(self.identities())

    @property
    def mac_address(self) -> str | None:
        """The MAC address bound (the seed extension's as written, else ``aa:bb:...``)."""
        return self._agreed(self.macs())

    def _agreed(self, values: list[tuple[str, str]]) -> str | None:
        problem = self.conflict()
        if problem is not None:
            raise InvalidValue(problem)
        return values[0][1] if values else None

    def to_json(self) -> dict:
        problem = self.conflict()
        return {"carrier": self.carrier, "conflict": problem,
                "machine_identity": None if problem else self.machine_identity,
                "mac_address": None if problem else self.mac_address,
                "seed": {"machine_identity": self.seed_identity, "mac_address": self.seed_mac},
                "san": {"machine_identity": list(self.san_identities),
                        "mac_address": list(self.san_macs)}}


_PLACES = {"seed": "seed extensions (1.3.6.1.4.15967132172.1/.2)",
           "san": "subjectAltName URIs"}


def _value(extension):
    if isinstance(extension.value, MalformedExtension):
        # Never mistake a broken extension for an absent one (as Certificate._value).
        raise InvalidValue(f"extension {extension.oid} is malformed: {extension.value.error}")
    return extension.value


def read_machine_binding(extensions) -> MachineBinding | None:
    """The binding carried by ``extensions`` (both carriers), or None when there is none."""
    seed_identity = seed_mac = None
    identities: list[str] = []
    macs: list[str] = []
    for extension in extensions:
        oid = extension.oid
        if oid not in _CARRYING:
            continue
        if oid == oids.OID_MACHINE_IDENTITY:
            seed_identity = _value(extension).value
        elif oid == oids.OID_MAC_ADDRESS:
            seed_mac = _value(extension).value
        else:
            for name in _value(extension).names:
                if isinstance(name, UniformResourceIdentifier):
                    _collect(identities, identity_from_uri(name.value))
                    _collect(macs, mac_from_uri(name.value))
    if seed_identity is None and seed_mac is None and not identities and not macs:
        return None                 # no carrier: MachineBinding(...).carriers would be ()
    return MachineBinding(seed_identity, seed_mac, tuple(identities), tuple(macs))


# The extensions that can carry a binding.
_CARRYING = frozenset({oids.OID_MACHINE_IDENTITY, oids.OID_MAC_ADDRESS, oids.OID_SUBJECT_ALT_NAME})


def _collect(values: list[str], value: str | None) -> None:
    if value is not None and value not in values:
        values.append(value)


def requested_carrier(binding: MachineBinding | None, chosen: str | None = None) -> str:
    """The carrier to issue for a request (a CSR) binding ``binding``: ``chosen`` when the CA
    names one, else the request's own (``"seed"`` when it binds nothing). InvalidValue when the
    request's carriers disagree, or when it carries both and nothing was chosen."""
    if binding is not None and binding.conflict() is not None:
        raise InvalidValue(f"the request's machine binding is contradictory: {binding.conflict()}")
    if chosen is not None:
        return chosen
    carrier = "seed" if binding is None else binding.carrier
    if carrier == "both":
        raise InvalidValue("the request carries the machine binding both in the seed extensions "
                           "and in subjectAltName URIs; choose binding 'seed' or 'san'")
    return carrier


def binding_extensions(machine_id: str | None, mac: str | None, *, binding: str = "seed",
                       encoding: str = "raw") -> list:
    """``(extension value, critical)`` pairs that carry ``machine_id`` and ``mac`` (either may
    be None) in ``binding``: the two seed extensions in ``encoding``, or one subjectAltName of
    URNs. Non-critical: the seed system marks its extensions so, and RFC 5280 §4.2.1.6 says a
    subjectAltName beside a non-empty subject SHOULD NOT be critical."""
    if binding not in CARRIERS:
        raise InvalidValue(f"binding must be 'seed' or 'san', not {binding!r}")
    if binding == "seed":
        return ([(MachineIdentity(machine_id, encoding), False)] if machine_id is not None else []) \
            + ([(MacAddress(mac, encoding), False)] if mac is not None else [])
    uris = ([identity_urn(machine_id)] if machine_id is not None else []) \
        + ([mac_urn(mac)] if mac is not None else [])
    if not uris:
        return []
    return [(SubjectAlternativeName(tuple(UniformResourceIdentifier(u) for u in uris)), False)]
