"""Building: certificates, CSRs, CMS, the CA's profiles."""
