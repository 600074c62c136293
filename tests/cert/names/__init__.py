"""Names and general names: parsing, comparison, host names, the machine binding's URIs."""
