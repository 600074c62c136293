"""Enrollment: EST with tokens, re-enrollment, the seed API, enrolled certificates in use."""
