"""The point arithmetic against a plain affine double-and-add written here from SEC 1 §2.2.1,
and against pyca/cryptography (d*G of a key it derives), under both bignum backends."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec
from hypothesis import given, strategies as st

from x509core import bignum
from x509core.ec import arithmetic
from x509core.ec.arithmetic import (add_mixed, double, generator_table, mul_add, odd_multiples,
                                    scalar_mult, to_affine, wnaf)
from x509core.ec.curves import P256, P384, P521

CURVES = [P256, P384, P521]
PYCA = {P256: pyca_ec.SECP256R1(), P384: pyca_ec.SECP384R1(), P521: pyca_ec.SECP521R1()}


# -- the reference: affine coordinates, SEC 1 §2.2.1 rules 1-5, None for O ---------------------

def ref_add(curve, a, b):
    p = curve.p
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0]:
        if (a[1] + b[1]) % p == 0:
            return None                                         # rule 3: P + (-P) = O
        slope = (3 * a[0] * a[0] + curve.a) * pow(2 * a[1], -1, p) % p     # rule 5
    else:
        slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, p) % p                # rule 4
    x = (slope * slope - a[0] - b[0]) % p
    return x, (slope * (a[0] - x) - a[1]) % p


def ref_mult(curve, k, point):
    result = None
    for bit in bin(k)[2:] if k else "":
        result = ref_add(curve, result, result)
        if bit == "1":
            result = ref_add(curve, result, point)
    return result


def jacobian(point, z, p):
    """The affine point as (X, Y, Z) = (x z^2, y z^3, z), for a chosen z != 0."""
    return point[0] * z * z % p, point[1] * z ** 3 % p, z


@pytest.fixture(params=["gmpy2", "python"])
def backend(request):
    if request.param not in bignum.available_backends():
        pytest.fail("gmpy2 is required by the test suite (pip install '.[test]')")
    previous = bignum.BACKEND
    bignum.set_backend(request.param)
    yield request.param
    bignum.set_backend(previous)


G = {curve: (curve.gx, curve.gy) for curve in CURVES}
curve_st = st.sampled_from(CURVES)


@given(curve=curve_st, k=st.integers(1, 2 ** 40), z=st.integers(2, 2 ** 64))
def test_double_and_add_mixed_match_the_affine_rules(curve, k, z):
    p = curve.p
    point = ref_mult(curve, k, G[curve])
    assert to_affine(*double(*jacobian(point, z, p), p), p) == ref_add(curve, point, point)
    other = ref_mult(curve, k + 7, G[curve])
    assert to_affine(*add_mixed(*jacobian(point, z, p), *other, p), p) == ref_add(curve, point, other)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_add_mixed_special_cases(curve):
    p, g = curve.p, G[curve]
    assert add_mixed(1, 1, 0, *g, p) == (g[0], g[1], 1)                          # O + G
    assert to_affine(*add_mixed(*jacobian(g, 5, p), *g, p), p) == ref_add(curve, g, g)   # G + G
    assert add_mixed(*jacobian(g, 5, p), g[0], p - g[1], p)[2] == 0               # G + (-G) = O
    assert double(1, 1, 0, p)[2] == 0                                             # 2*O = O


@given(k=st.integers(0, 2 ** 530), width=st.integers(2, 10))
def test_wnaf_digits(k, width):
    digits = wnaf(k, width)
    assert sum(d << i for i, d in enumerate(digits)) == k                        # GECC Alg. 3.35
    for i, d in enumerate(digits):
        if d:
            assert d % 2 == 1 and abs(d) < 1 << (width - 1)
            assert not any(digits[i + 1:i + width])                              # w-1 zeros after


@given(curve=curve_st, u1=st.integers(0, 2 ** 24), u2=st.integers(0, 2 ** 24),
       k=st.integers(1, 2 ** 24))
def test_mul_add_matches_double_and_add_on_small_scalars(curve, u1, u2, k):
    q = ref_mult(curve, k, G[curve])
    expected = ref_add(curve, ref_mult(curve, u1, G[curve]), ref_mult(curve, u2, q))
    assert to_affine(*mul_add(curve, u1, u2, *q), curve.p) == expected


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_mul_add_matches_pyca_on_full_size_scalars(curve, backend):
    import random
    rng = random.Random(f"mul_add {curve.nist_name}")
    for _ in range(8):
        d = rng.randrange(1, curve.n)
        numbers = pyca_ec.derive_private_key(d, PYCA[curve]).public_key().public_numbers()
        assert scalar_mult(curve, d, curve.gx, curve.gy) == (numbers.x, numbers.y)
        u1, u2 = rng.randrange(curve.n), rng.randrange(curve.n)
        combined = pyca_ec.derive_private_key((u1 + u2 * d) % curve.n, PYCA[curve])
        expected = combined.public_key().public_numbers()
        assert to_affine(*mul_add(curve, u1, u2, numbers.x, numbers.y), curve.p) == (expected.x, expected.y)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_mul_add_edge_cases(curve, backend):
    g, n, p = G[curve], curve.n, curve.p
    assert to_affine(*mul_add(curve, 1, 1, *g), p) == ref_add(curve, g, g)      # G + G: doubling
    assert mul_add(curve, 1, n - 1, *g)[2] == 0                                  # G + (-G) = O
    assert mul_add(curve, 0, 0, *g)[2] == 0
    assert mul_add(curve, n, n, *g)[2] == 0                                       # scalars mod n
    assert to_affine(*mul_add(curve, 5, n - 2, *g), p) == ref_mult(curve, 3, g)
    q = ref_mult(curve, 3, g)                                                    # Q = 3G
    assert mul_add(curve, n - 3, 1, *q)[2] == 0                                  # -3G + 3G = O
    assert to_affine(*mul_add(curve, 3, 1, *q), p) == ref_mult(curve, 6, g)     # 3G + 3G


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_tables_hold_the_odd_multiples(curve, backend):
    table = generator_table(curve)
    assert table is generator_table(curve)                                       # built once
    half = 1 << (arithmetic.G_WIDTH - 1)
    for d in range(1, half, 2):
        x, y = ref_mult(curve, d, G[curve])
        assert tuple(map(int, table[d])) == (x, y)
        assert tuple(map(int, table[-d])) == (x, (curve.p - y) % curve.p)            # -dG
    q = ref_mult(curve, 12345, G[curve])
    small = odd_multiples(*q, 4, curve)
    assert [tuple(map(int, small[d])) for d in (1, 3, 5, 7)] == \
        [ref_mult(curve, 12345 * d, G[curve]) for d in (1, 3, 5, 7)]


def test_backends_agree():
    if "gmpy2" not in bignum.available_backends():
        pytest.fail("gmpy2 is required by the test suite")
    previous = bignum.BACKEND
    results = []
    try:
        for name in ("gmpy2", "python"):
            bignum.set_backend(name)
            results.append([mul_add(c, c.n // 3, c.n // 7, c.gx, c.gy) for c in CURVES])
            assert all(type(v) is int for r in results[-1] for v in r)         # ints leave, not mpz
    finally:
        bignum.set_backend(previous)
    assert results[0] == results[1]
