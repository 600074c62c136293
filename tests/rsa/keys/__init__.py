"""RSA keys: generation (FIPS 186-5 A.1.3), primality, consistency checks, key formats."""
