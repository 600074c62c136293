"""The server itself: HTTP limits, TLS, the serve command, load, crashes, logs, rate limits."""
