"""Names: X.509 Names (RFC 5280 §4.1.2.4, §7.1; RFC 4514 text) and GeneralNames
(§4.2.1.6), read, built, compared and printed."""

__all__: list[str] = []
