"""The CA: issuing and CRLs through the CLI, the start-up of the CLI, the inventory at 1,000,000 rows."""
