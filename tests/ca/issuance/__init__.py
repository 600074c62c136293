"""Issuing: profiles, keys, names, tokens, PKCS#12, quickstart, pkilint on every profile."""
