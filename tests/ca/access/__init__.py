"""Who may do what: enrollment tokens and administrator accounts, in the CA layer and the CLI."""
