"""The medical-imaging policy: what the seed system checks on top of RFC 5280 path validation.

A site's DICOM and HTTPS links accept a peer only if its certificate was issued to the expected
machine by the site's CA (../shared/seed.md). :class:`MedicalImagingPolicy` states the
expectations; :func:`check_medical_policy` applies them to a chain that RFC 5280 already
accepted. Each check, and what it defends against:

- machine binding: the leaf's machine identity equals ``machine_identity``, whichever carrier
  holds it (``x509core/cert/extensions/binding.py``): the seed extension
  ``1.3.6.1.4.15967132172.1`` (compared exactly, as the seed system does) or a subjectAltName
  ``urn:uuid:`` URI (its UUID compared after RFC 9562 §4's case folding, with or without
  dashes). Category ``machine_binding_mismatch``; a leaf without a binding is
  ``machine_binding_missing``. Every comparison is constant-time (``hmac.compare_digest``), so
  response timing does not reveal how much of an identity an attacker guessed right.
- MAC binding: the leaf's MAC address (``1.3.6.1.4.15967132172.2`` or ``urn:dev:mac:``) equals
  ``mac_address`` when the policy asks for it (hex digits compared case-insensitively, ``-``
  read as ``:``), same categories and comparison.
- one binding only: a leaf whose carriers disagree (both carriers, or two URNs of one kind,
  with different values) is refused whenever a policy is applied, asked for a machine or not
  (``machine_binding_mismatch``): two relying parties reading different carriers must never
  see two different machines. Both carriers with the same values are accepted.
- organization: every O attribute of the leaf's subject is one of ``organizations`` after the
  RFC 5280 §7.1 / RFC 4518 preparation (case folding, insignificant spaces), and there is at
  least one (category ``organization``): a certificate for another customer of the same CA.
- issuing CA: the leaf's issuer in the built path has the subject and the key of
  ``issuing_ca`` (category ``issuing_ca``): another CA in the trust store cannot issue for it.
- expiry warning: a chain that is valid but has a certificate expiring within
  ``expiry_warning`` (30 days by default) is returned with a warning (see
  :class:`x509core.cert.validation.verify.VerifiedChain`); it is never refused for that.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from x509core.cert.certificate import Certificate
from x509core.cert.extensions.binding import MachineBinding, canonical_identity, canonical_mac
from x509core.cert.names.name_text import prepare_string
from x509core.cert.validation.checks import refuse
from x509core.errors import InvalidValue

__all__ = ["MedicalImagingPolicy", "check_medical_policy"]

_RULE = "medical-imaging policy (x509core.MedicalImagingPolicy)"


@dataclass(frozen=True)
class MedicalImagingPolicy:
    """Expectations on a peer's leaf certificate beyond RFC 5280. ``None``/empty: not checked."""

    machine_identity: str | None = None
    mac_address: str | None = None
    organizations: tuple[str, ...] = ()
    issuing_ca: Certificate | None = None
    expiry_warning: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        for name in ("machine_identity", "mac_address"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str or None")
        if isinstance(self.organizations, str):
            raise TypeError("organizations must be a sequence of str, not one str")
        object.__setattr__(self, "organizations", tuple(self.organizations))
        if not all(isinstance(o, str) for o in self.organizations):
            raise TypeError("organizations must hold str values")
        if self.issuing_ca is not None and not isinstance(self.issuing_ca, Certificate):
            raise TypeError("issuing_ca must be a Certificate or None")
        if not isinstance(self.expiry_warning, timedelta):
            raise TypeError("expiry_warning must be a datetime.timedelta")


def _same(expected: str, actual: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), actual.encode("utf-8"))


def _check_binding(leaf, expected: str | None, carried: list, what: str, normalise) -> None:
    """``carried``: (carrier, value) pairs; each must equal ``expected`` under ``normalise``
    (which takes the carrier: the ``san`` carrier's UUIDs fold case)."""
    if expected is None:
        return
    if not carried:
        raise refuse("machine_binding_missing", f"the certificate carries no {what}",
                     _RULE, 0, leaf)
    # Every value is compared (no early exit), so timing says nothing about which one differs.
    matches = [_same(normalise(carrier, expected), normalise(carrier, value))
               for carrier, value in carried]
    if not all(matches):
        raise refuse("machine_binding_mismatch", f"the certificate's {what} is not the expected one",
                     _RULE, 0, leaf)


def _identity(carrier: str, value: str) -> str:
    return canonical_identity(value) if carrier == "san" else value


def _mac(carrier: str, value: str) -> str:
    return canonical_mac(value)


def _binding(leaf) -> MachineBinding:
    try:
        binding = leaf.machine_binding
    except InvalidValue as exc:
        raise refuse("malformed_extension", f"the machine binding cannot be read: {exc}",
                     "RFC 5280 §4.2", 0, leaf) from None
    binding = binding or MachineBinding()
    problem = binding.conflict()
    if problem is not None:
        raise refuse("machine_binding_mismatch", problem, _RULE, 0, leaf)
    return binding


def check_medical_policy(chain: list, policy: MedicalImagingPolicy) -> None:
    """Refuse ``chain`` (leaf first) unless its leaf meets ``policy``."""
    leaf = chain[0]
    binding = _binding(leaf)
    _check_binding(leaf, policy.machine_identity, binding.identities(), "machine identity",
                   _identity)
    _check_binding(leaf, policy.mac_address, binding.macs(), "MAC address", _mac)
    if policy.organizations:
        allowed = {prepare_string(o) for o in policy.organizations}
        found = leaf.subject.organizations
        if not found or any(prepare_string(o) not in allowed for o in found):
            raise refuse("organization", f"organization {', '.join(found) or '(none)'} is not "
                         "one of the allowed organizations", _RULE + "; RFC 5280 §7.1", 0, leaf)
    if policy.issuing_ca is not None:
        ca = policy.issuing_ca
        issuer = chain[1] if len(chain) > 1 else None
        if issuer is None or issuer.raw_spki != ca.raw_spki or not issuer.subject.matches(ca.subject):
            raise refuse("issuing_ca", "the certificate was not issued by the configured CA "
                         f"({ca.subject.rfc4514()})", _RULE, 0, leaf)
