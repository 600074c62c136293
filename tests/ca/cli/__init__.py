"""The command line: arguments, errors, outputs, help, controls, verify, lint, doctor."""
