"""What a CSR contributes to a certificate: the arguments ``CertificateAuthority.sign_csr``
passes on to ``issue_client``/``issue_server``.

The CA decides, not the requester (RFC 2986 §3 leaves that to the CA): only the subject's O and
CN, the machine binding (seed-system extensions) and the subjectAltName's DNS names and IP
addresses are taken from a request, and only where the caller did not give them; every other
requested extension is ignored.
"""

from __future__ import annotations

from x509core.cert import oids
from x509core.cert.csr import CertificateSigningRequest
from x509core.cert.general_name import DNSName, IPAddress
from x509core.errors import InvalidValue

__all__ = ["csr_arguments", "CSR_PROFILES"]

CSR_PROFILES = ("client", "server")


def csr_arguments(csr: CertificateSigningRequest, profile: str, given: dict) -> dict:
    """``given`` completed from ``csr`` for ``profile`` ("client" or "server")."""
    if profile not in CSR_PROFILES:
        raise InvalidValue(f"profile must be client or server, not {profile!r}")
    arguments = dict(given)
    for name in ("csr", "public_key"):
        if name in arguments:
            raise TypeError(f"sign_csr() takes the key from the CSR; do not pass {name}")
    if profile == "client":
        _default(arguments, "org", csr.subject.organization, "an organization (O)")
        _default(arguments, "client_id", csr.subject.common_name, "a client id (CN)")
        arguments.setdefault("machine_id", csr.machine_identity)
        arguments.setdefault("mac", csr.mac_address)
        return arguments
    if "dns" not in arguments and "ip" not in arguments:
        arguments["dns"], arguments["ip"] = _requested_names(csr)
    arguments.setdefault("common_name", csr.subject.common_name)
    arguments.setdefault("org", csr.subject.organization)
    return arguments


def _default(arguments: dict, name: str, value, what: str) -> None:
    if arguments.get(name) is None:
        if value is None:
            raise InvalidValue(f"the CSR's subject has no {what}; give {name}=")
        arguments[name] = value


def _requested_names(csr: CertificateSigningRequest) -> tuple[list[str], list[str]]:
    extension = csr.extension(oids.OID_SUBJECT_ALT_NAME)
    dns, ip = [], []
    for name in (extension.value.names if extension is not None else ()):
        if isinstance(name, DNSName):
            dns.append(name.value)
        elif isinstance(name, IPAddress):
            ip.append(str(name.value))
    return dns, ip
