"""Certificate policies: the valid_policy_tree of RFC 5280 §6.1.2 (d)-(j), §6.1.3 (d)-(f),
§6.1.4 (a)-(b), (h)-(j) and §6.1.5 (a)-(b), (g).

The relying party's inputs are fixed to RFC 5280 §6.1.1's defaults: user-initial-policy-set
``{anyPolicy}``, initial-policy-mapping-inhibit, initial-explicit-policy and
initial-any-policy-inhibit all FALSE. The tree then decides something only where the CAs asked
for it (requireExplicitPolicy in policyConstraints, inhibitPolicyMapping, inhibitAnyPolicy,
policyMappings): a path whose CAs require an explicit policy must carry, in every certificate,
a policy that chains through the mappings back to the anchor. What it defends against: a
subordinate CA issuing under a policy its superior never granted.

policyMappings naming anyPolicy refuse the path (§6.1.4 (a)). The tree is bounded at 1000
nodes (category ``budget``): mappings can make it grow exponentially (CVE-2023-0464).
The trust anchor is not part of the path (§6.1), so its own extensions are not read here.
"""

from __future__ import annotations

from x509core.cert import oids
from x509core.cert.validation.checks import refuse, self_issued

__all__ = ["check_policies", "run_tree"]

_ANY = oids.OID_ANY_POLICY
_MAX_NODES = 1000


class _Node:
    __slots__ = ("policy", "expected", "parent", "children")

    def __init__(self, policy, expected, parent):
        self.policy, self.expected, self.parent, self.children = policy, set(expected), parent, 0
        if parent is not None:
            parent.children += 1


class _Tree:
    def __init__(self):
        self.levels = [[_Node(_ANY, {_ANY}, None)]]
        self.count = 1

    def add(self, level: list, policy, expected, parent, depth) -> None:
        self.count += 1
        if self.count > _MAX_NODES:
            raise refuse("budget", "certificate policy tree too large", "RFC 5280 §6.1.3 (d)", depth)
        level.append(_Node(policy, expected, parent))

    def prune(self) -> None:
        """RFC 5280 §6.1.3 (d)(3): delete nodes without children above the last level."""
        for depth in range(len(self.levels) - 2, -1, -1):
            kept = []
            for node in self.levels[depth]:
                if node.children:
                    kept.append(node)
                elif node.parent is not None:
                    node.parent.children -= 1
            self.levels[depth] = kept

    @property
    def empty(self) -> bool:
        return not self.levels[-1] or not self.levels[0]


def _policies(cert) -> dict | None:
    value = cert.extension(oids.OID_CERTIFICATE_POLICIES)
    return None if value is None else {p.policy_identifier: p for p in value.value.policies}


def _process(tree: _Tree, policies: dict, any_allowed: bool, depth: int) -> None:
    """RFC 5280 §6.1.3 (d)(1)-(2) for one certificate."""
    parents, level = tree.levels[-1], []
    for policy in policies:
        if policy == _ANY:
            continue
        matched = [node for node in parents if policy in node.expected]
        if not matched:
            matched = [node for node in parents if node.policy == _ANY][:1]
        for node in matched:
            tree.add(level, policy, {policy}, node, depth)
    if _ANY in policies and any_allowed:
        for node in parents:
            present = {child.policy for child in level if child.parent is node}
            for policy in sorted(node.expected - present):
                tree.add(level, policy, {policy}, node, depth)
    tree.levels.append(level)
    tree.prune()


def _map(tree: _Tree, cert, policy_mapping: int, depth: int) -> None:
    """RFC 5280 §6.1.4 (a)-(b)."""
    ext = cert.extension(oids.OID_POLICY_MAPPINGS)
    if ext is None:
        return
    mapped: dict = {}
    for mapping in ext.value.mappings:
        issuer, subject = mapping.issuer_domain_policy, mapping.subject_domain_policy
        if _ANY in (issuer, subject):
            raise refuse("policy", "policyMappings maps anyPolicy", "RFC 5280 §6.1.4 (a)", depth, cert)
        mapped.setdefault(issuer, set()).add(subject)
    level = tree.levels[-1]
    for issuer, subjects in mapped.items():
        nodes = [node for node in level if node.policy == issuer]
        if policy_mapping == 0:
            for node in nodes:
                level.remove(node)
                node.parent.children -= 1
            continue
        for node in nodes:
            node.expected = set(subjects)
        any_node = next((node for node in level if node.policy == _ANY), None)
        if not nodes and any_node is not None:
            tree.add(level, issuer, subjects, any_node.parent, depth)
    tree.prune()


def _constraints(cert, counters: list) -> None:
    """RFC 5280 §6.1.4 (i)-(j): [explicit_policy, policy_mapping, inhibit_any_policy]."""
    pc = cert.extension(oids.OID_POLICY_CONSTRAINTS)
    if pc is not None:
        if pc.value.require_explicit_policy is not None:
            counters[0] = min(counters[0], pc.value.require_explicit_policy)
        if pc.value.inhibit_policy_mapping is not None:
            counters[1] = min(counters[1], pc.value.inhibit_policy_mapping)
    iap = cert.extension(oids.OID_INHIBIT_ANY_POLICY)
    if iap is not None:
        counters[2] = min(counters[2], iap.value.skip_certs)


_POLICY_EXTENSIONS = frozenset({oids.OID_CERTIFICATE_POLICIES, oids.OID_POLICY_MAPPINGS,
                                oids.OID_POLICY_CONSTRAINTS, oids.OID_INHIBIT_ANY_POLICY})


def check_policies(chain: list) -> None:
    """Run the policy tree over ``chain`` (leaf first, trust anchor last)."""
    if all(_POLICY_EXTENSIONS.isdisjoint(cert.extension_oids()) for cert in chain[:-1]):
        # The common case, decided exactly: with none of the four extensions in the path, the
        # tree is NULL from certificate 1 on (§6.1.3 (e)), nothing maps, and explicit_policy
        # only falls by one per certificate from n + 1, so it is still >= 1 after §6.1.5 (a):
        # processing succeeds (§6.1.5 (g)). tests/cert/validation/test_policy_tree.py pins
        # this to run_tree.
        return
    run_tree(chain)


def run_tree(chain: list) -> None:
    """RFC 5280 §6.1's policy processing over ``chain`` step by step, whatever it holds."""
    path = list(reversed(chain[:-1]))            # RFC order: certificate 1 .. n
    n = len(path)
    tree: _Tree | None = _Tree()
    counters = [n + 1, n + 1, n + 1]             # explicit_policy, policy_mapping, inhibit_anyPolicy
    for i, cert in enumerate(path, start=1):
        depth = n - i
        policies = _policies(cert)
        if policies is None:
            tree = None                           # §6.1.3 (e)
        elif tree is not None:
            _process(tree, policies, counters[2] > 0 or (i < n and self_issued(cert)), depth)
            tree = None if tree.empty else tree
        if counters[0] <= 0 and tree is None:
            raise refuse("policy", "no acceptable certificate policy, and a CA requires one",
                         "RFC 5280 §6.1.3 (f)", depth, cert)
        if i == n:
            break
        _map(tree if tree is not None else _Tree(), cert, counters[1], depth)
        if not self_issued(cert):               # §6.1.4 (h)
            counters = [max(0, c - 1) for c in counters]
        _constraints(cert, counters)
    _wrap_up(path, counters, tree)


def _wrap_up(path, counters, tree) -> None:
    leaf = path[-1] if path else None
    explicit = counters[0]
    if explicit > 0 and len(path) > 0:
        explicit -= 1                            # §6.1.5 (a)
        pc = leaf.extension(oids.OID_POLICY_CONSTRAINTS)
        if pc is not None and pc.value.require_explicit_policy == 0:
            explicit = 0                         # §6.1.5 (b)
    if explicit <= 0 and tree is None:
        # RFC 5280 §6.1.3 (f) / §6.1.5 (g): "If either (1) the value of explicit_policy variable
        # is greater than zero or (2) the valid_policy_tree is not NULL, then path processing
        # has succeeded."
        raise refuse("policy", "no acceptable certificate policy, and the CAs require one",
                     "RFC 5280 §6.1.5 (g)", 0, leaf)
