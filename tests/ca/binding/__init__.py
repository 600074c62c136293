"""The machine binding: the derived id, both carriers, the CLI's binding options."""
