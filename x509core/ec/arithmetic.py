"""Point arithmetic on the prime curves, for ECDSA verification: u1*G + u2*Q.

NOT CONSTANT-TIME. Every function here branches on the bits of its scalars and on the values of
its coordinates, looks tables up by scalar digits, and uses CPython or GMP arithmetic whose timing
depends on the operands. That is deliberate and safe for what this module is used for: ECDSA
*verification*, whose inputs (the public key Q, the signature (r, s), the message digest, and
therefore u1 and u2) are all public. No secret value may ever be passed to this module: it must
not be used to sign, to derive a public key from a private one, or for ECDH. That is why the key
file reader (``private_keys.py``) never computes a public key from a private scalar.

Methods (D. Hankerson, A. Menezes, S. Vanstone, "Guide to Elliptic Curve Cryptography", 2004,
cited as GECC):

- Jacobian projective coordinates (GECC §3.2.2): (X, Y, Z) stands for the affine point
  (X/Z^2, Y/Z^3); Z = 0 is the point at infinity O. Field elements are kept reduced to [0, p-1].
- Doubling with a = -3 (GECC Algorithm 3.21; formula "dbl-2001-b" of the Explicit-Formulas
  Database): 3*(X - Z^2)*(X + Z^2) = 3X^2 + a*Z^4 when a = -3, one multiplication where the
  general formula squares X and Z^2.
  All three curves have a = p - 3 (SP 800-186 §3.2.1).
- Mixed addition of an affine point to a Jacobian one (GECC Algorithm 3.22), with the cases
  that a verifier can meet on hostile input handled: either operand O, P + P, and P + (-P).
- Width-w NAF recoding of the scalars (GECC Algorithm 3.35): digits odd or zero, |digit| <
  2^(w-1), and at least w-1 zeros after each non-zero digit, so about bits/(w+1) additions.
- The generator's odd multiples 1G, 3G, ..., (2^(w-1)-1)G for w = :data:`G_WIDTH`, in affine
  coordinates, built once per curve on first use (:func:`generator_table`); the public key's
  odd multiples for w = :data:`Q_WIDTH`, built for each verification (:func:`odd_multiples`).
- Straus's interleaving (GECC Algorithm 3.51, "Shamir's trick" generalised): one shared chain
  of doublings for both scalars, so u1*G + u2*Q costs about as many doublings as one
  multiplication.

Cost of u1*G + u2*Q for a b-bit order: b doublings (8 modular multiplications each) and about
b/9 + b/6 mixed additions (11 each), plus 8 points for Q. The doublings are two thirds of it
(``benchmarks/engine/bench_ec_verify.py`` times them alone).

Arithmetic runs on ``bignum.mpz`` (a GMP integer under the gmpy2 backend, a plain ``int``
otherwise) inside the loops; :func:`mul_add`, :func:`scalar_mult` and :func:`to_affine` take
and return plain ``int``, and the tables they build stay inside this module.
"""

from __future__ import annotations

from x509core import bignum
from x509core.ec.curves import Curve

__all__ = ["G_WIDTH", "Q_WIDTH", "double", "add_mixed", "to_affine", "to_affine_all",
           "affine_double", "wnaf", "odd_multiples", "generator_table", "mul_add",
           "scalar_mult"]

G_WIDTH = 8    # 64 precomputed multiples of G per curve: about bits/9 additions for u1*G
Q_WIDTH = 5    # 8 multiples of Q per verification: about bits/6 additions for u2*Q

_TABLES: dict[tuple[str, str], list] = {}     # (curve name, backend) -> generator_table


def double(X: int, Y: int, Z: int, p: int) -> tuple[int, int, int]:
    """2P for P = (X, Y, Z) in Jacobian coordinates on a curve with a = -3. GECC Alg. 3.21.

    The curves have odd prime order, so no point has Y = 0 except through Z = 0 (O), and
    2*O = O falls out of the formula (Z3 = 2*Y*Z = 0)."""
    delta = Z * Z % p
    gamma = Y * Y % p
    beta = X * gamma % p
    alpha = 3 * (X - delta) * (X + delta) % p      # 3X^2 - 3Z^4 = 3X^2 + a*Z^4
    X3 = (alpha * alpha - 8 * beta) % p
    Z3 = 2 * Y * Z % p
    Y3 = (alpha * (4 * beta - X3) - 8 * gamma * gamma) % p
    return X3, Y3, Z3


def add_mixed(X1: int, Y1: int, Z1: int, x2: int, y2: int, p: int) -> tuple[int, int, int]:
    """(X1, Y1, Z1) + (x2, y2), Jacobian plus affine. GECC Alg. 3.22, with its special cases:
    O + Q = Q; P + P is a doubling; P + (-P) = O."""
    if not Z1:
        return x2, y2, 1
    z1z1 = Z1 * Z1 % p
    H = x2 * z1z1 % p - X1                          # U2 - X1
    R = y2 * Z1 * z1z1 % p - Y1                     # S2 - Y1
    if not H:                                       # same x: P = Q or P = -Q
        return double(X1, Y1, Z1, p) if not R else (1, 1, 0)
    HH = H * H % p
    HHH = H * HH % p
    V = X1 * HH % p
    X3 = (R * R - HHH - 2 * V) % p
    Y3 = (R * (V - X3) - Y1 * HHH) % p
    return X3, Y3, Z1 * H % p


def to_affine(X: int, Y: int, Z: int, p: int) -> tuple[int, int] | None:
    """(X/Z^2, Y/Z^3), or None for the point at infinity (Z = 0)."""
    if not Z % p:
        return None
    zinv = bignum.invert(int(Z), int(p))
    zinv2 = zinv * zinv % p
    return int(X * zinv2 % p), int(Y * zinv2 * zinv % p)


def affine_double(x: int, y: int, curve: Curve) -> tuple[int, int]:
    """2P in affine coordinates (SEC 1 §2.2.1, rule 5), for tables of public points.
    The curves have odd order, so y != 0 for every point other than O."""
    p = curve.p
    slope = (3 * x * x + curve.a) * bignum.invert(int(2 * y % p), p) % p
    x3 = (slope * slope - 2 * x) % p
    return x3, (slope * (x - x3) - y) % p


def wnaf(k: int, width: int) -> list[int]:
    """The width-``width`` NAF of k >= 0, least significant digit first. GECC Alg. 3.35.

    Each non-zero digit d is odd with |d| < 2^(width-1) and is followed by width-1 zeros, so
    after taking d from k the next width-1 digits need not be computed: k shifts by ``width``.
    Runs of zero bits are skipped at once (their count is the number of trailing zeros).
    """
    digits: list[int] = []
    full = 1 << width
    half, mask = full >> 1, full - 1
    while k:
        if k & 1:
            d = k & mask                            # k mods 2^w, step 2.1
            if d >= half:
                d -= full
            k -= d                                  # now divisible by 2^w
            digits.append(d)
            digits.extend((0,) * (width - 1))
            k >>= width
        else:
            zeros = (k & -k).bit_length() - 1
            digits.extend((0,) * zeros)
            k >>= zeros
    return digits


def odd_multiples(x: int, y: int, width: int, curve: Curve) -> list:
    """A lookup table by w-NAF digit: ``table[d] = d*P`` as an affine (x, y) pair for every odd
    d with |d| < 2^(width-1); negative d index from the end, as Python lists do.

    2P is made affine with one inversion; 3P, 5P, ... are sums of the previous one and 2P in
    Jacobian coordinates (small distinct multiples of a point of large prime order: never O,
    never equal), made affine together with one more inversion (:func:`to_affine_all`)."""
    mpz = bignum.mpz
    p = mpz(curve.p)
    size = 1 << width
    x, y = mpz(x), mpz(y)
    points = [(x, y, mpz(1))]
    if width > 2:
        tx, ty = affine_double(x, y, curve)
        for _ in range((size >> 2) - 1):
            points.append(add_mixed(*points[-1], tx, ty, p))
    table: list = [None] * size
    for d, (px, py) in zip(range(1, size >> 1, 2), to_affine_all(points, p)):
        table[d] = (px, py)
        table[-d] = (px, (p - py) % p)
    return table


def to_affine_all(points: list, p: int) -> list:
    """Jacobian points, none of them O, made affine with one inversion: Montgomery's
    simultaneous inversion (GECC Algorithm 2.26) of their Z coordinates."""
    prefix, product = [], 1
    for _, _, z in points:
        product = product * z % p
        prefix.append(product)
    inverse = bignum.invert(int(product), int(p))          # (Z_0 ... Z_k)^-1
    result: list = [None] * len(points)
    for i in range(len(points) - 1, -1, -1):
        X, Y, Z = points[i]
        zinv = inverse * prefix[i - 1] % p if i else inverse % p
        inverse = inverse * Z % p                           # (Z_0 ... Z_{i-1})^-1
        zinv2 = zinv * zinv % p
        result[i] = (X * zinv2 % p, Y * zinv2 * zinv % p)
    return result


def generator_table(curve: Curve) -> list:
    """The odd multiples of the curve's generator G for width :data:`G_WIDTH`, built once per
    curve and backend (64 points; a few milliseconds at most) and kept."""
    key = (curve.name, bignum.BACKEND)
    table = _TABLES.get(key)
    if table is None:
        table = _TABLES[key] = odd_multiples(curve.gx, curve.gy, G_WIDTH, curve)
    return table


def mul_add(curve: Curve, u1: int, u2: int, qx: int, qy: int) -> tuple[int, int, int]:
    """u1*G + u2*Q in Jacobian coordinates (Z = 0 for the point at infinity), for public u1, u2
    and a validated public point Q = (qx, qy). Straus's interleaving of two width-w NAFs
    (GECC Alg. 3.51): one chain of doublings; at each position the digit of u1 adds a
    precomputed multiple of G and the digit of u2 a multiple of Q.

    The doubling (:func:`double`) is written out in the loop: it runs once per bit, and a call
    would cost a tenth of the verification. The tests check the loop against :func:`double`,
    :func:`add_mixed` and a plain affine double-and-add."""
    mpz = bignum.mpz
    p = mpz(curve.p)
    g_table = generator_table(curve)
    q_table = odd_multiples(qx, qy, Q_WIDTH, curve) if u2 else None
    g_digits, q_digits = wnaf(u1 % curve.n, G_WIDTH), wnaf(u2 % curve.n, Q_WIDTH)
    length = max(len(g_digits), len(q_digits))
    g_digits.extend((0,) * (length - len(g_digits)))
    q_digits.extend((0,) * (length - len(q_digits)))
    X, Y, Z = mpz(1), mpz(1), mpz(0)
    for g, q in zip(reversed(g_digits), reversed(q_digits)):
        if Z:                                       # double(X, Y, Z, p), written out
            delta = Z * Z % p
            gamma = Y * Y % p
            beta = X * gamma % p
            alpha = 3 * (X - delta) * (X + delta) % p
            Z = 2 * Y * Z % p
            X = (alpha * alpha - 8 * beta) % p
            Y = (alpha * (4 * beta - X) - 8 * gamma * gamma) % p
        if g:
            x2, y2 = g_table[g]
            X, Y, Z = add_mixed(X, Y, Z, x2, y2, p)
        if q:
            x2, y2 = q_table[q]
            X, Y, Z = add_mixed(X, Y, Z, x2, y2, p)
    return int(X), int(Y), int(Z)


def scalar_mult(curve: Curve, k: int, x: int, y: int) -> tuple[int, int] | None:
    """k*P in affine coordinates (None for O), for a public scalar and point (tests, tools)."""
    return to_affine(*mul_add(curve, 0, k, x, y), curve.p)
