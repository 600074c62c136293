"""The service over the network: EST enrollment, OCSP answers, the admin pages."""
