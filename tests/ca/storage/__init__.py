"""The CA directory and its files: atomic writes, modes, crashes, concurrency, several nodes."""
