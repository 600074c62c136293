"""Path validation: verify_chain, policies, x509-limbo, OpenSSL's verify, bounded work."""
