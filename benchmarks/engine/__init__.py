"""The engine against its peers: DER, RSA, ECDSA, parsing, issuing, path validation, GMP builds."""
