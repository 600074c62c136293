"""Path building: from the leaf up to a trust anchor, through whichever intermediates chain.
RFC 4158 (path building), RFC 5280 §6.1 (what a valid path is).

The search is depth-first. For the certificate on top of the partial path, the candidates are
the trust anchors, then the intermediates, whose subject matches its issuer (RFC 5280 §7.1
comparison, §6.1.3 (a)(4)); a candidate whose subjectKeyIdentifier differs from the
certificate's authorityKeyIdentifier keyIdentifier is passed over (RFC 5280 §4.2.1.1, as
OpenSSL does), and those whose identifier agrees are tried first (RFC 4158 §3.5.12). Each
candidate is checked as an issuer (:mod:`x509core.cert.validation.checks`), its name constraints are
applied to the path below it (:mod:`x509core.cert.validation.name_constraints`), and only then is the
signature checked (the expensive step). A failing candidate is abandoned and the next one tried,
so an expired cross-certificate or a constrained CA does not hide a valid alternative.

Defences against hostile bundles (as webpki and Go do):

- no certificate twice in a path, and no two certificates with the same subject and the same
  key (Go's ``alreadyInChain``): cross-signing loops end;
- at most ``max_depth`` intermediates that are not self-issued, and at most ``max_depth + 8``
  in all (category ``depth``);
- a work budget: at most 200 units of signature work (one unit is an RSA-4096 verification
  with e = 65537; a key is charged by its cost, so 16384-bit moduli use it up sixteen times as
  fast, and an ECDSA verification costs 8 to 19 units by curve; each result is cached for the
  call) and 1000 candidate tries per call (category
  ``budget``), so a bundle of many certificates that all sign each other, or of huge keys, cannot
  make the search slow. Keys that break the work bounds of ``x509core.rsa.key`` are refused
  before any signature is computed with them (``check_key``).

When no path is found, the error reported is the one from the attempt that went deepest (the
first such one): a lone expired intermediate says "expired", not "no path".
"""

from __future__ import annotations

from x509core.cert import oids
from x509core.cert.validation.name_constraints import check_name_constraints
from x509core.cert.validation.webpki import check_signature_algorithm
from x509core.cert.validation.checks import (Context, check_issuer, check_key, check_profile,
                                             check_validity, name_key, refuse, self_issued,
                                             signature_cost)
from x509core.cert.validation.extension_checks import check_extensions, usable_value
from x509core.errors import InvalidSignature, InvalidValue, PathValidationError, UnsupportedAlgorithm

__all__ = ["PathBuilder"]

_EXTRA_SELF_ISSUED = 8


class PathBuilder:
    """One search over fixed anchors and intermediates; :meth:`build` returns a path."""

    def __init__(self, anchors, intermediates, ctx: Context, finish):
        self.ctx = ctx
        self.finish = finish                     # whole-path checks; raises on failure
        self.anchor_raws = {cert.raw for cert in anchors}
        self.index: dict = {}
        self.keys_by_raw: dict = {}             # a subject's DER -> its comparison key
        seen: set = set()
        for cert in (*anchors, *intermediates):
            if cert.raw not in seen:
                seen.add(cert.raw)
                key = self.keys_by_raw[cert.raw_subject] = name_key(cert.subject)
                self.index.setdefault(key, []).append(cert)
        self.best: PathValidationError | None = None

    def build(self, leaf) -> list:
        path = self._extend([leaf])
        if path is None:
            raise self.best
        return path

    def _record(self, error: PathValidationError) -> None:
        if self.best is None or (error.depth or 0) > (self.best.depth or 0):
            self.best = error

    def _issuer_key(self, cert) -> tuple:
        """``name_key(cert.issuer)``. An issuer whose DER is some candidate's subject DER has
        that subject's key: the comparison key is a function of the Name's DER alone (each
        attribute's type, string type and value, RFC 5280 §7.1), so it is not computed again
        (tests/cert/validation/test_remembered_checks.py pins this on every limbo name)."""
        key = self.keys_by_raw.get(cert.raw_issuer)
        return name_key(cert.issuer) if key is None else key

    def _candidates(self, path: list) -> list:
        cert = path[-1]
        named = self.index.get(self._issuer_key(cert))
        if not named:
            return []
        in_path = {(c.raw_subject, c.raw_spki) for c in path} | {c.raw for c in path}
        aki = usable_value(cert, oids.OID_AUTHORITY_KEY_IDENTIFIER)
        key_id = None if aki is None else aki.key_identifier
        found = []
        for cand in named:
            if cand.raw in in_path or (cand.raw_subject, cand.raw_spki) in in_path:
                continue
            ski = usable_value(cand, oids.OID_SUBJECT_KEY_IDENTIFIER)
            if key_id is not None and ski is not None and ski.key_identifier != key_id:
                continue
            rank = (cand.raw not in self.anchor_raws, ski is None or key_id is None)
            found.append((rank, len(found), cand))
        if len(found) < 2:
            return [cand for _, _, cand in found]
        return [cand for _, _, cand in sorted(found, key=lambda item: item[:2])]

    def _extend(self, path: list):
        depth = len(path) - 1
        candidates = self._candidates(path)
        if not candidates:
            self._record(refuse("unknown_issuer", "no trusted issuer found for "
                                f"{path[-1].issuer.rfc4514() or 'an empty issuer name'}",
                                "RFC 5280 §6.1.3 (a)(4)", depth, path[-1]))
            return None
        for cand in candidates:
            self.ctx.candidate_budget -= 1
            if self.ctx.candidate_budget < 0:
                raise refuse("budget", "path building gave up: too many candidate issuers",
                             "RFC 4158 §3", depth)
            try:
                result = self._try(path, cand)
            except PathValidationError as exc:
                if exc.category == "budget":
                    raise
                self._record(exc)
                continue
            if result is not None:
                return result
        return None

    def _try(self, path: list, cand):
        depth = len(path)
        anchor = cand.raw in self.anchor_raws
        self._check_depth(path, cand, anchor)
        check_validity(cand, depth, self.ctx)
        check_extensions(cand, depth)
        check_profile(cand, depth, self.ctx, anchor=anchor)
        check_key(cand, depth, self.ctx)
        check_issuer(cand, depth, self.ctx, path[1:])
        check_name_constraints(cand, depth, path + [cand], self.ctx)
        self._check_signature(path[-1], cand, depth - 1)
        if anchor:
            self.finish(path + [cand])
            return path + [cand]
        return self._extend(path + [cand])

    def _check_depth(self, path: list, cand, anchor: bool) -> None:
        if anchor:
            return
        intermediates = path[1:] + [cand]
        if len(intermediates) <= self.ctx.max_depth:
            return                  # the count of those not self-issued cannot exceed it
        counted = sum(1 for c in intermediates if not self_issued(c))
        if counted > self.ctx.max_depth or len(intermediates) > self.ctx.max_depth + _EXTRA_SELF_ISSUED:
            raise refuse("depth", f"more than {self.ctx.max_depth} intermediate certificates",
                         "max_depth (RFC 5280 §6.1.4 (l))", len(path), cand)

    def _check_signature(self, cert, issuer, depth: int) -> None:
        """RFC 5280 §6.1.3 (a)(1): "The signature on the certificate can be verified using
        working_public_key_algorithm, the working_public_key, and the
        working_public_key_parameters." RSA and ECDSA alike; the policy's weak hashes, and for
        the web PKI the Baseline Requirements' pairs of key and hash, are refused first."""
        info = cert.signature_algorithm_info
        if info is not None and info.hash_name in self.ctx.algorithms.weak_hashes:
            raise refuse("weak_algorithm", f"signature with {info.hash_name}, which no longer "
                         "resists collisions", "CA/B BR §7.1.3.2; RFC 9155", depth, cert)
        if self.ctx.web_pki:
            check_signature_algorithm(cert, issuer, depth)
        key = (cert.raw, issuer.raw_spki)
        outcome = self.ctx.signature_cache.get(key)
        if outcome is None:
            self.ctx.signature_budget -= signature_cost(issuer.public_key)
            if self.ctx.signature_budget < 0:
                raise refuse("budget", "path building gave up: too many signature checks",
                             "RFC 4158 §3", depth)
            outcome = _signature_outcome(cert, issuer)
            self.ctx.signature_cache[key] = outcome
        category, reason = outcome
        if category == "bad_signature":
            raise refuse("bad_signature", f"signature does not verify with the issuer's key"
                         f"{reason}", "RFC 5280 §6.1.3 (a)(1)", depth, cert)
        if category == "invalid_key":
            raise refuse("invalid_key", "the issuer's key cannot check a signature",
                         "RFC 5280 §6.1.3 (a)(1)", depth + 1, issuer)
        if category == "unsupported_algorithm":
            raise refuse("unsupported_algorithm", reason, "RFC 5280 §6.1.3 (a)(1)", depth, cert)


def _signature_outcome(cert, issuer) -> tuple[str, str]:
    """(category, detail) of checking ``cert``'s signature with ``issuer``'s key: "ok",
    "bad_signature" (the detail names a key that cannot have made this kind of signature),
    "unsupported_algorithm" (the detail says which) or "invalid_key"."""
    try:
        cert.verify_signature(issuer.public_key)
    except InvalidSignature as exc:
        # "signature mismatch" alone says nothing more; a key of the wrong kind is named.
        detail = str(exc).partition("signature mismatch: ")[2]
        return "bad_signature", f" ({detail})" if detail else ""
    except UnsupportedAlgorithm as exc:
        return "unsupported_algorithm", str(exc)
    except InvalidValue:             # a key check_key refuses; here as a second line
        return "invalid_key", ""
    return "ok", ""
