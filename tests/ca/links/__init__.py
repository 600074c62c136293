"""Real links: TLS, HTTPS with curl, DICOM with pynetdicom and dcmtk, other TLS stacks."""
