"""Revocation status over HTTP: the CRL and the OCSP responder."""
