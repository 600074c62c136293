"""check_policies decides a path without policy extensions at once (issue 17); the answer must
be the one RFC 5280 §6.1's step-by-step processing (``policies.run_tree``) gives.

Random paths of 1 to 9 certificates are drawn from certificates without any of the four policy
extensions (self-issued and not) and from certificates that carry certificatePolicies,
policyConstraints (requireExplicitPolicy 0 and 1, inhibitPolicyMapping), inhibitAnyPolicy or
policyMappings; for each, check_policies and run_tree must both accept, or both refuse with the
same category, depth and reason."""

from __future__ import annotations

import random

from tests.cert.validation.verify_fixtures import chain, make
from x509core.cert.extensions import (CertificatePolicies, InhibitAnyPolicy, PolicyConstraints,
                                      PolicyInformation, PolicyMapping, PolicyMappings)
from x509core.cert.validation.policies import check_policies, run_tree
from x509core.errors import PathValidationError

PATHS = 3000


def _certificates():
    leaf, ica, root = chain()
    self_issued = make("Root", "Root", "ca", "root", ca=True)
    plain = [leaf, ica, root, self_issued]
    one, two = (CertificatePolicies((PolicyInformation(oid),))
                for oid in ("1.3.6.1.4.1.55555.1", "1.3.6.1.4.1.55555.2"))
    any_policy = CertificatePolicies((PolicyInformation("2.5.29.32.0"),))
    carrying = [
        make("Issuing CA", "Root", "ca", "root", ca=True, extra=((one, False),)),
        make("pacs.example.org", "Issuing CA", "leaf", "ca", extra=((two, False),)),
        make("pacs.example.org", "Issuing CA", "leaf", "ca", extra=((any_policy, False),)),
        make("Issuing CA", "Root", "ca", "root", ca=True,
             extra=((PolicyConstraints(require_explicit_policy=0), True),)),
        make("Issuing CA", "Root", "ca", "root", ca=True,
             extra=((PolicyConstraints(require_explicit_policy=1, inhibit_policy_mapping=0), True),
                    (one, False))),
        make("Issuing CA", "Root", "ca", "root", ca=True,
             extra=((InhibitAnyPolicy(0), True), (any_policy, False))),
        make("Issuing CA", "Root", "ca", "root", ca=True,
             extra=((PolicyMappings((PolicyMapping("1.3.6.1.4.1.55555.1",
                                                   "1.3.6.1.4.1.55555.2"),)), True),
                    (one, False))),
    ]
    return plain, carrying


def _outcome(check, path):
    try:
        check(path)
    except PathValidationError as exc:
        return exc.category, exc.depth, str(exc)
    return "OK"


def test_the_shortcut_gives_the_trees_answer():
    plain, carrying = _certificates()
    rng = random.Random(5280)
    outcomes = {"plain": set(), "carrying": set()}
    for _ in range(PATHS):
        pool = plain if rng.random() < 0.3 else plain + carrying
        path = [rng.choice(pool) for _ in range(rng.randrange(1, 10))]
        ours, tree = _outcome(check_policies, path), _outcome(run_tree, path)
        assert ours == tree, [c.subject.rfc4514() for c in path]
        kind = "carrying" if any(c in carrying for c in path[:-1]) else "plain"
        outcomes[kind].add(ours if ours == "OK" else ours[0])
    # Both kinds of path were met, and the tree refused some of the carrying ones.
    assert outcomes["plain"] == {"OK"}
    assert {"OK", "policy"} <= outcomes["carrying"]
