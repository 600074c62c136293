"""x509core benchmarks: x509core against its peers, measured in the same run.

Run ``python -m benchmarks`` (all) or ``python -m benchmarks der_decode rsa_sign`` (some);
``--write`` records the table in ``benchmarks/RESULTS.md``. Tests never import this package.
"""
