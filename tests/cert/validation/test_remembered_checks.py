"""The per-certificate checks whose outcomes each Certificate keeps (issue 17,
``memo.remembered``: extensions, profile, whether the key is usable) must give the verdict a
fresh check gives, whatever the certificate was checked for before.

Differential: x509-limbo testcases (a quarter of each file, both purposes each) are run once
with ``memo.REMEMBER`` off and fresh certificates, and twice with it on over one shared set of
certificates (forward, then in reverse order, so outcomes kept under one purpose, place and
depth answer for another); every outcome — accepted, or refused with the same category, depth,
subject, reason and rule (``str(exc)`` holds them all) — must be the same. And directly: a
refusal kept at one depth is raised again at another with everything else equal.
"""

from __future__ import annotations

import pytest

from tests.cert.validation.test_limbo import SUITES, _Parsed, _load_suite, evaluate
from tests.cert.validation.verify_fixtures import AT, chain, make
from x509core.cert.extensions import UnrecognizedExtension
from x509core.cert.validation import checks, extension_checks, memo
from x509core.errors import PathValidationError

SAMPLE_EVERY = 4


def _variants(suite: str) -> list[dict]:
    cases = []
    for tc in _load_suite(suite)[::SAMPLE_EVERY]:
        for usage in ("serverAuth", "clientAuth"):
            cases.append(dict(tc, extended_key_usage=[usage]))
    return cases


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_remembered_outcomes_are_fresh_outcomes(suite, monkeypatch):
    cases = _variants(suite)
    monkeypatch.setattr(memo, "REMEMBER", False)
    fresh = [evaluate(tc, _Parsed()) for tc in cases]
    monkeypatch.setattr(memo, "REMEMBER", True)
    shared = _Parsed()
    forward = [evaluate(tc, shared) for tc in cases]
    backward = [evaluate(tc, shared) for tc in reversed(cases)][::-1]
    for tc, want, first, again in zip(cases, fresh, forward, backward):
        assert first == want and again == want, (tc["id"], tc["extended_key_usage"], want, first, again)
    refused = {context.split("]")[0] for verdict, context in fresh if verdict == "FAILURE"}
    assert {"[profile", "[malformed_extension", "[unknown_critical_extension"} <= refused, refused
    # (the kept checks did refuse some; invalid keys: test_verify's own cases)


def _refusal(check) -> tuple:
    with pytest.raises(PathValidationError) as info:
        check()
    exc = info.value
    return exc.category, exc.depth, exc.reason, exc.rule, exc.subject, str(exc)


def test_a_kept_refusal_is_raised_at_the_new_depth(monkeypatch):
    odd = UnrecognizedExtension("1.3.6.1.4.1.55555.9", b"\x05\x00")
    cert = make("Issuing CA", "Root", "ca", "root", ca=True, extra=((odd, True),))
    ctx = checks.Context(at=AT, purpose=None, web_pki=False, max_depth=8)
    kept = [_refusal(lambda: extension_checks.check_extensions(cert, depth)) for depth in (1, 2, 1)]
    assert cert.validation_memo()[("extensions",)] is not None
    checks.check_profile(cert, 1, ctx)             # accepted, and kept as accepted
    assert cert.validation_memo()[("profile", False, False, False)] is None
    monkeypatch.setattr(memo, "REMEMBER", False)
    fresh = [_refusal(lambda: extension_checks.check_extensions(cert, depth)) for depth in (1, 2, 1)]
    assert kept == fresh and fresh[0][1] == 1 and fresh[1][1] == 2
    assert fresh[0][0] == "unknown_critical_extension"


def test_each_certificate_keeps_its_own_outcomes():
    leaf, ica, root = chain()
    ctx = checks.Context(at=AT, purpose=None, web_pki=True, max_depth=8)
    checks.check_profile(ica, 1, ctx)
    assert ("profile", True, False, False) in ica.validation_memo()
    assert ("profile", True, False, False) not in root.validation_memo()
    assert len(ica.validation_memo()) <= 10


def test_a_kept_key_refusal_is_the_fresh_one(monkeypatch):
    from tests.cert.validation.test_bounded_work import _with_key
    leaf, ica, root = chain()
    n = ica.public_key.n
    bad = [_with_key(ica, n, 65536), _with_key(ica, n + 1, 65537), _with_key(ica, n, 1 << 70)]
    policy = checks.AlgorithmPolicy(min_rsa_bits=4096)
    contexts = [checks.Context(at=AT, purpose=None, web_pki=web, max_depth=8, algorithms=algs)
                for web in (False, True) for algs in (checks.AlgorithmPolicy(), policy)]

    def outcomes():
        found = []
        for cert in (*bad, ica):
            for ctx in contexts:
                for depth in (0, 1, 2):
                    try:
                        checks.check_key(cert, depth, ctx)
                        found.append("OK")
                    except PathValidationError as exc:
                        found.append((exc.category, exc.depth, str(exc)))
        return found
    kept = outcomes()
    assert all(("key",) in cert.validation_memo() for cert in bad)
    monkeypatch.setattr(memo, "REMEMBER", False)
    fresh = outcomes()
    assert kept == fresh
    assert {item[0] for item in fresh if item != "OK"} == {"invalid_key", "weak_key"}


def test_the_kept_subject_text_is_the_names_text():
    leaf, ica, root = chain()
    for cert in (leaf, ica, root):
        assert memo.subject_text(cert) == cert.subject.rfc4514() != ""
        assert cert.validation_memo()["subject"] == cert.subject.rfc4514()


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_names_of_the_same_der_have_the_same_comparison_key(suite):
    """PathBuilder looks an issuer up by the key of the subject with the same DER: the premise."""
    parsed = _Parsed()
    by_raw: dict = {}
    for tc in _load_suite(suite)[::SAMPLE_EVERY]:
        for pem in (tc["peer_certificate"], *tc["trusted_certs"], *tc["untrusted_intermediates"]):
            cert = parsed[pem]
            if isinstance(cert, Exception):
                continue
            for name in (cert.subject, cert.issuer):
                by_raw.setdefault(name.raw, []).append(name)
    shared = [names for names in by_raw.values() if len(names) > 1]
    assert len(shared) > 100
    for names in shared:
        assert len({name.comparison_key() for name in names}) == 1, names[0].rfc4514()
