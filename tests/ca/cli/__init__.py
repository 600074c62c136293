"""The command line: arguments, errors, outputs, help, controls, tokens, verify, lint, doctor."""
