"""x509-limbo: every testcase through verify_chain, compared with expected_result, for both
files of the suite: the original (../shared/vectors/limbo/limbo.json.xz, C2SP/x509-limbo with
BetterTLS; EC keys and ECDSA signatures as upstream) and its RSA variant (limbo-rsa.json.xz).

The suites are read unchanged. Each PEM is parsed once (cached by its text). A peer certificate
that does not parse is a refusal; every trusted and intermediate certificate is given to
verify_chain — one that does not parse is a mismatch of its own ("unreadable"), never silently
dropped (parse what exists: a CA's mistake in an unrelated root must not hide the rest of the
trust store). A table of matched / mismatched / skipped per namespace is printed; the test fails
on any mismatch. Every skip names the feature x509core does not implement or the conflicting
testcase whose side it takes; a signature algorithm x509core does not implement (DSA, P-192) is
not a skip: verify_chain refuses it, as the suite expects.

CPU time of one file (2 cores, measured with ``python -m tests.cert.validation.test_limbo``): the EC file
about 9 s with gmpy2 and 11 s on the pure-Python backend (2,770 ECDSA verifications, nearly all
P-256: most BetterTLS testcases fail on names before any signature is checked); the RSA file
about 9 s and 10 s. Both run in full under both backends.

Run ``python -m tests.cert.validation.test_limbo [ec|rsa]`` to print the table and each mismatch's reason.
"""

from __future__ import annotations

import json
import lzma
import ssl
from collections import Counter, defaultdict
from datetime import datetime, timezone

import pytest

from tests.conftest import VECTORS, require_shared
from x509core import PathValidationError, X509CoreError, verify_chain
from x509core.cert import load_der_certificate

SUITES = {"ec": VECTORS / "limbo" / "limbo.json.xz", "rsa": VECTORS / "limbo" / "limbo-rsa.json.xz"}
# suite -> (testcases in the file, at most this many skipped: 20 each today; pyca/cryptography 46
# skips 47 testcases of the RSA file).
EXPECTED = {"ec": (9780, 20), "rsa": (9766, 20)}

SKIP_FEATURES = {
    "pedantic-rfc5280": "authorityKeyIdentifier of a trust anchor is not checked (the anchor's "
                        "issuer lies outside the path, RFC 5280 §6.1)",
    "pedantic-public-suffix-wildcard": "the Public Suffix List is not shipped (wildcards over "
                                       "multi-label public suffixes are not detected)",
}
SKIP_IDS = {
    # Conflicting pairs (testcase "conflicts_with"): x509core takes one side.
    "rfc5280::nc::permitted-dns-match-noncritical": "conflicts with webpki::nc::permitted-dns-"
        "match-noncritical: non-critical nameConstraints are enforced, not refused",
    "webpki::eku::ee-without-eku": "conflicts with rfc5280::eku::ee-without-eku: a leaf without "
        "extKeyUsage is allowed (RFC 5280 §4.2.1.12)",
    "webpki::ca-as-leaf": "conflicts with rfc5280::ca-as-leaf: a CA certificate may be the leaf "
        "(RFC 5280)",
    # A CA certificate whose keyUsage is keyCertSign alone cannot sign a TLS handshake.
    "rfc5280::ca-as-leaf": "TLS leaf keyUsage check (RFC 5280 §4.2.1.3, RFC 8446 §4.4.2.2, "
        "OpenSSL's sslserver purpose): the CA leaf asserts only keyCertSign",
    "pathlen::validation-ignores-pathlen-in-leaf": "TLS leaf keyUsage check (RFC 5280 §4.2.1.3, "
        "RFC 8446 §4.4.2.2, OpenSSL's sslserver purpose): the CA leaf asserts only keyCertSign",
}
SKIP_PREFIXES = {
    "webpki::cn::": "CA/B BR §7.1.4.3 (the subject CN must repeat a SAN entry): not enforced, "
                    "the CN is never read (RFC 9525); BetterTLS expects 240 leaves whose CN lies "
                    "outside the SAN to verify",
}
_PURPOSES = {"serverAuth": "server", "clientAuth": "client"}


def _load_suite(suite: str) -> list[dict]:
    with lzma.open(require_shared(SUITES[suite])) as handle:
        return json.load(handle)["testcases"]


class _Parsed(dict):
    """PEM text -> Certificate, or the exception its parsing raised."""

    def __missing__(self, pem: str):
        try:
            # The PEM armour is stripped with the standard library: this test is about path
            # validation, and x509core's strict PEM reader would double the parsing time.
            value = load_der_certificate(ssl.PEM_cert_to_DER_cert(pem))
        except X509CoreError as exc:
            value = exc
        self[pem] = value
        return value


def _skip_reason(tc: dict, parsed: _Parsed) -> str | None:
    if tc["id"] in SKIP_IDS:
        return SKIP_IDS[tc["id"]]
    for prefix, reason in SKIP_PREFIXES.items():
        if tc["id"].startswith(prefix):
            return reason
    for feature in tc["features"]:
        if feature in SKIP_FEATURES:
            return f"{feature}: {SKIP_FEATURES[feature]}"
    if tc["signature_algorithms"]:
        return "signature_algorithms input: not an option of verify_chain"
    if tc["key_usage"]:
        return "key_usage input: not an option of verify_chain"
    if len(tc["extended_key_usage"]) > 1:
        return "several required extended key usages: verify_chain takes one purpose"
    return None


def _purpose(tc: dict) -> str:
    if tc["extended_key_usage"]:
        return _PURPOSES.get(tc["extended_key_usage"][0], tc["extended_key_usage"][0])
    return "server" if tc["validation_kind"] == "SERVER" else "client"


def _crls(tc: dict):
    from x509core.cert import load_pem_crl
    return [load_pem_crl(pem) for pem in tc["crls"]]


def evaluate(tc: dict, parsed: _Parsed) -> tuple[str, str]:
    """("SUCCESS" | "FAILURE" | "SKIPPED", context)."""
    reason = _skip_reason(tc, parsed)
    if reason is not None:
        return "SKIPPED", reason
    leaf = parsed[tc["peer_certificate"]]
    if isinstance(leaf, Exception):
        return "FAILURE", f"peer certificate does not parse: {leaf}"
    anchors = [parsed[pem] for pem in tc["trusted_certs"]]
    inters = [parsed[pem] for pem in tc["untrusted_intermediates"]]
    unreadable = [c for c in (*anchors, *inters) if isinstance(c, Exception)]
    if unreadable:
        return "UNREADABLE", f"a trusted or intermediate certificate does not parse: {unreadable[0]}"
    when = tc["validation_time"]
    at = datetime.fromisoformat(when) if when else datetime.now(timezone.utc)
    peer = tc["expected_peer_name"]
    try:
        crls = _crls(tc)
    except X509CoreError as exc:
        return "FAILURE", f"CRL does not parse: {exc}"
    try:
        verify_chain(leaf, trust_anchors=anchors, intermediates=inters, purpose=_purpose(tc), at=at,
                     peer_name=peer["value"] if peer else None, crls=crls,
                     max_depth=tc["max_chain_depth"])
    except PathValidationError as exc:
        return "FAILURE", f"[{exc.category}] {exc}"
    return "SUCCESS", "chain built"


def run_suite(suite: str) -> tuple[dict, list, list]:
    parsed = _Parsed()
    table: dict = defaultdict(Counter)
    mismatches, skips = [], []
    for tc in _load_suite(suite):
        namespace = tc["id"].split("::")[0]
        actual, context = evaluate(tc, parsed)
        if actual == "SKIPPED":
            table[namespace]["skipped"] += 1
            skips.append((tc["id"], context))
        elif actual == tc["expected_result"]:
            table[namespace]["matched"] += 1
        else:
            table[namespace]["mismatched"] += 1
            mismatches.append((tc["id"], tc["expected_result"], context))
    return table, mismatches, skips


def format_table(table: dict) -> str:
    lines = [f"{'namespace':<14}{'matched':>9}{'mismatched':>12}{'skipped':>9}"]
    total = Counter()
    for namespace in sorted(table):
        row = table[namespace]
        total.update(row)
        lines.append(f"{namespace:<14}{row['matched']:>9}{row['mismatched']:>12}{row['skipped']:>9}")
    lines.append(f"{'total':<14}{total['matched']:>9}{total['mismatched']:>12}{total['skipped']:>9}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=sorted(SUITES))
def limbo_results(request):
    return request.param, run_suite(request.param)


def test_limbo_no_mismatch(limbo_results, capsys):
    suite, (table, mismatches, _) = limbo_results
    with capsys.disabled():
        print(f"\nx509-limbo ({suite}) results by namespace:\n" + format_table(table))
    detail = "\n".join(f"{tid}: expected {exp}, got {ctx}" for tid, exp, ctx in mismatches[:40])
    assert not mismatches, f"{len(mismatches)} mismatches:\n{detail}"


def test_limbo_covers_the_suite(limbo_results):
    suite, (table, _, _) = limbo_results
    total = sum(sum(row.values()) for row in table.values())
    skipped = sum(row["skipped"] for row in table.values())
    testcases, most_skipped = EXPECTED[suite]
    assert total == testcases                    # every testcase of the file was evaluated
    assert skipped <= most_skipped


def test_skips_name_their_feature(limbo_results):
    _, (_, _, skips) = limbo_results
    for testcase, reason in skips:
        # "<feature or conflicting testcase>: <why>", never a bare "unsupported"
        assert ":" in reason and len(reason) > 40, (testcase, reason)
    assert len({reason for _, reason in skips}) >= 5


def test_ecdsa_signatures_are_checked_not_skipped():
    """The EC file's chains are validated with their ECDSA signatures: a valid testcase of it
    fails once a signature of its path is tampered with."""
    suite = {tc["id"]: tc for tc in _load_suite("ec")}
    tc = suite["rfc5280::aki::self-signed-root-missing-aki"]
    parsed = _Parsed()
    assert evaluate(tc, parsed) == ("SUCCESS", "chain built")
    leaf = parsed[tc["peer_certificate"]]
    assert leaf.signature_algorithm_info.scheme == "ecdsa"
    tampered = leaf.raw[:-3] + bytes([leaf.raw[-3] ^ 1]) + leaf.raw[-2:]
    tc = dict(tc, peer_certificate=ssl.DER_cert_to_PEM_cert(tampered))
    actual, context = evaluate(tc, _Parsed())
    assert actual == "FAILURE" and "[bad_signature]" in context, context


if __name__ == "__main__":
    import sys
    for name in sys.argv[1:] or sorted(SUITES):
        result_table, found, skipped = run_suite(name)
        print(f"x509-limbo ({name})\n" + format_table(result_table))
        for tid, expected, context in found:
            print(f"{tid}: expected {expected}; {context}")
        for tid, reason in skipped:
            print(f"skipped {tid}: {reason}")
