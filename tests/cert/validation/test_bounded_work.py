"""Hostile bundles cost bounded work, and nothing hostile outlives a call (issue 16 items 1, 2, 4,
and the URI that RFC 3986 and WHATWG read differently).

No test here times anything: each counts the work itself (modular exponentiations, iterations
over a CA's subtrees) or the memory left behind, so each fails on the code before the fix
whatever the machine's speed.

- Item 1: a bundle of 100 "intermediates" named like the leaf's issuer, each with a 16384-bit
  modulus and an exponent just below it, cost about 1 s of CPU each before being refused. Keys
  beyond x509core.rsa.key's work bounds are now refused before any exponentiation
  (``invalid_key``), and the signature budget is charged by cost, so 100 huge but legal keys
  exhaust it after a dozen verifications (``budget``).
- Item 2: names were scanned against every subtree of every form for each name.
- Item 4: the name-comparison and OID-decoding caches kept hostile values alive.
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from tests.cert.chains import CA_KU, CA_VALIDITY, Factory, T0, _name
from tests.cert.reading.surgery import certificate_paths, replace
from x509core import bignum
from x509core.cert import Name, load_der_certificate, verify_chain
from x509core.cert.extensions import BasicConstraints, GeneralSubtree, NameConstraints
from x509core.cert.names.general_name import IPAddress, UniformResourceIdentifier
from x509core.cert.validation.checks import name_key
from x509core.der import BitString, Writer
from x509core.der.oid import decode_oid_content
from x509core.errors import PathValidationError
from x509core.rsa.algorithms import OID_RSA_ENCRYPTION

ISSUER = "Hostile bundle CA"


@pytest.fixture(scope="module")
def factory():
    return Factory()


def _spki(n: int, e: int) -> bytes:
    w = Writer()
    with w.sequence():
        with w.sequence():
            w.write_oid(OID_RSA_ENCRYPTION)
            w.write_null()
        with w.bit_string_der():
            with w.sequence():
                w.write_integer(n)
                w.write_integer(e)
    return w.to_bytes()


def _with_key(cert, n: int, e: int):
    """``cert`` with its SubjectPublicKeyInfo replaced (its own signature is then wrong, which
    does not matter: a candidate issuer's key is what the leaf's signature is checked with)."""
    der, _ = replace(cert.raw, certificate_paths(cert.raw)["subjectPublicKeyInfo"], _spki(n, e))
    return load_der_certificate(der)


def _long_signature(cert, bits: int):
    """``cert`` with a signature as long as a ``bits``-bit modulus (all 0x01: below any such
    modulus), so that checking it with such a key really computes s^e mod n, as the attack's
    leaf makes it (a signature of another length is refused before any arithmetic)."""
    value = Writer()
    value.write_bit_string(BitString(b"\x01" * ((bits + 7) // 8)))
    der, _ = replace(cert.raw, certificate_paths(cert.raw)["signatureValue"], value.to_bytes())
    return load_der_certificate(der)


def _bundle(factory, keys):
    """A root, a leaf issued by ``ISSUER`` (signed by a real key), and one candidate issuer named
    ``ISSUER`` per (n, e) in ``keys``, each under the root."""
    root = factory.root("A")
    real = factory.ca(ISSUER, root)
    leaf = _long_signature(factory.leaf("bundle leaf", real), max(n.bit_length() for n, _ in keys))
    candidates = []
    for index, (n, e) in enumerate(keys):
        template = factory.cert(f"hostile {index}", _name(ISSUER), root.name,
                                factory.k2048.public_key(), root.key, validity=CA_VALIDITY,
                                extensions=((BasicConstraints(ca=True), True), (CA_KU, True)))
        candidates.append(_with_key(template, n, e))
    return root, leaf, candidates


@pytest.fixture
def exponentiations(monkeypatch):
    """Counts the public-key exponentiations (the real function still runs)."""
    calls = []
    real = bignum.powmod

    def counting(base, exponent, modulus):
        calls.append(exponent.bit_length())
        return real(base, exponent, modulus)
    monkeypatch.setattr(bignum, "powmod", counting)
    return calls


def test_huge_exponent_candidates_are_refused_before_any_exponentiation(factory, exponentiations):
    n = (1 << 16383) | 1                        # a 16384-bit odd modulus
    root, leaf, candidates = _bundle(factory, [(n + 2 * i, n - 2) for i in range(100)])
    exponentiations.clear()
    with pytest.raises(PathValidationError) as refused:
        verify_chain(leaf, trust_anchors=[root.cert], intermediates=candidates, at=T0, purpose=None)
    assert refused.value.category == "invalid_key", refused.value
    assert "64 bits" in str(refused.value) or "OpenSSL" in str(refused.value)
    assert [bits for bits in exponentiations if bits > 64] == []


def test_the_signature_budget_is_charged_by_cost(factory, exponentiations):
    """100 legal 16384-bit keys (e = 65537): each verification costs 16 units of the 200."""
    n = (1 << 16383) | 1
    root, leaf, candidates = _bundle(factory, [(n + 2 * i, 65537) for i in range(100)])
    exponentiations.clear()                     # (making the bundle signed certificates)
    with pytest.raises(PathValidationError) as refused:
        verify_chain(leaf, trust_anchors=[root.cert], intermediates=candidates, at=T0, purpose=None)
    assert refused.value.category == "budget", refused.value
    assert len(exponentiations) <= 13, len(exponentiations)


class _CountingSubtrees(tuple):
    """A tuple that counts how often it is walked."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def test_name_constraints_group_subtrees_once_per_ca(factory):
    """200 DNS names under a CA with 200 iPAddress subtrees: the subtrees are walked a fixed
    number of times per CA, not once per name (before: once per name, twice)."""
    import ipaddress
    root = factory.root("A")
    subtrees = _CountingSubtrees(
        GeneralSubtree(IPAddress(ipaddress.ip_network(f"10.{i // 256}.{i % 256}.0/24")))
        for i in range(200))
    constraints = NameConstraints(permitted_subtrees=subtrees)
    ca = factory.ca("constrained", root, extra=((constraints, True),))
    leaf = factory.leaf("many names", ca, san=tuple(f"host{i}.example.org" for i in range(200)))
    parsed_ca = ca.cert
    value = parsed_ca.extension("2.5.29.30").value
    counting = _CountingSubtrees(value.permitted_subtrees)
    object.__setattr__(value, "permitted_subtrees", counting)       # the parsed value, instrumented
    _CountingSubtrees.walks = 0
    verify_chain(leaf, trust_anchors=[root.cert], intermediates=[parsed_ca], at=T0, purpose=None)
    assert _CountingSubtrees.walks <= 4, _CountingSubtrees.walks


def test_a_uri_with_a_backslash_before_its_host_is_refused_under_uri_constraints(factory):
    """RFC 3986 reads host good.com in http://evil.com\\@good.com/, WHATWG parsers evil.com."""
    root = factory.root("A")
    constraints = NameConstraints(permitted_subtrees=(GeneralSubtree(UniformResourceIdentifier("good.com")),))
    ca = factory.ca("uri constrained", root, extra=((constraints, True),))

    def leaf_with(uri: str):
        return factory.leaf("uri " + uri, ca, san=(UniformResourceIdentifier(uri),))
    ok = leaf_with("http://good.com/x")
    verify_chain(ok, trust_anchors=[root.cert], intermediates=[ca.cert], at=T0, purpose=None)
    hostile = leaf_with("http://evil.com\\@good.com/")
    with pytest.raises(PathValidationError) as refused:
        verify_chain(hostile, trust_anchors=[root.cert], intermediates=[ca.cert], at=T0, purpose=None)
    assert refused.value.category == "name_constraints"


def _retained(make, count: int) -> int:
    """Bytes still allocated after making and using ``count`` hostile values and dropping them."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(count):
        make(index)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before


def test_name_comparison_keys_do_not_outlive_their_names():
    def use(index):
        name = Name.build([("O", f"{index} " + "x" * 50), *[("OU", f"{index}-{j} " + "y" * 50)
                                                            for j in range(1800)]])
        assert len(name.raw) > 100_000
        name_key(name)
    assert _retained(use, 20) < 1_000_000       # before: twenty 0.1 MB names, keys and all, kept


def test_the_oid_cache_keeps_no_long_oids():
    def use(index):
        content = bytes([0x2B]) + bytes([0x01] * 20_000) + bytes([index % 128])   # 20,000 arcs
        decode_oid_content(content, 0, len(content), ())
    assert _retained(use, 50) < 500_000         # before: fifty 20 KB OIDs and their text kept
