"""CRLs and OCSP: built, streamed, read, verified, against OpenSSL and pyca."""
