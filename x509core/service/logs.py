"""The service's log: one line per event on stderr, every value escaped.

Logged values come from the network (paths, user agents, CSR subjects, error reasons that quote
input), so each line is passed through :func:`printable` before it is written: the CLI's one
escaping rule (:func:`x509core.safe_text.escape_controls`: C0, DEL, C1, the Unicode line and
paragraph separators and the bidirectional overrides become ``\\XX`` / ``\\uXXXX`` escapes,
backslashes doubled), so a client cannot forge a log line, hide one with a carriage return,
reorder one with U+202E, or send escape sequences to an operator's terminal (CWE-117). The
access log (one line per request: address, method, path, status, size, time) goes the same
way.

Query strings are not logged (:func:`logged_path` writes ``?...`` instead): the seed API's
``GET /client/registe`` carries the client's raw machine id there, which machine-id(5) asks to
keep off the network and out of places such as logs, and its MAC address.
"""

from __future__ import annotations

import logging
import sys
import time

from x509core.safe_text import escape_controls

__all__ = ["LOGGER_NAME", "logger", "printable", "configure", "access_logger_class",
           "logged_path"]

LOGGER_NAME = "x509core.service"
logger = logging.getLogger(LOGGER_NAME)

def printable(value) -> str:
    """``value`` as text with every control character escaped (one line, safe on a terminal)."""
    return escape_controls(str(value))


class _EscapingFormatter(logging.Formatter):
    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        record.message = printable(record.getMessage())
        line = f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%SZ')} x509core serve: {record.message}"
        if record.exc_info and _malformed_request(record.exc_info[1]):
            line += f": {printable(_squeezed(record.exc_info[1]))}"   # the client's error
        elif record.exc_info:                    # a bug: the traceback, escaped line by line
            trace = self.formatException(record.exc_info)
            line += "".join("\n    " + printable(part) for part in trace.splitlines())
        return line


def _malformed_request(exc) -> bool:
    """Whether aiohttp failed to parse the request itself (a bad request line, header, length
    or chunk): the client's error, answered 400, logged in one line without a traceback."""
    from aiohttp.http_exceptions import HttpProcessingError
    return isinstance(exc, HttpProcessingError)


def _squeezed(exc) -> str:
    """aiohttp's multi-line account of a parse error on one line, at most 200 characters."""
    text = " ".join(str(getattr(exc, "message", "") or exc).split())
    return text if len(text) <= 200 else text[:199] + "…"


def configure(*, quiet: bool = False) -> logging.Logger:
    """Log to stderr (warnings and errors only with ``quiet``); returns the service logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_EscapingFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
    # aiohttp's own loggers (server errors, access) are routed through the same formatter.
    for name in ("aiohttp.server", "aiohttp.web", "aiohttp.access"):
        other = logging.getLogger(name)
        other.handlers[:] = [handler]
        other.setLevel(logging.WARNING)
        other.propagate = False
    return logger


def logged_path(request) -> str:
    """The request's path as the log shows it: without its query string (module docstring)."""
    path, question, _ = request.raw_path.partition("?")
    return path + ("?..." if question else "")


def access_logger_class():
    """aiohttp's ``access_log_class``: one escaped line per request through :data:`logger`
    (made on first use, so that importing this module needs no aiohttp)."""
    from aiohttp.abc import AbstractAccessLogger

    class _AccessLogger(AbstractAccessLogger):
        def log(self, request, response, elapsed: float) -> None:
            peer = request.remote or "-"
            logger.info("%s \"%s %s\" %d %s %.1fms", printable(peer), printable(request.method),
                        printable(logged_path(request)), response.status,
                        response.body_length, elapsed * 1000)

        @property
        def enabled(self) -> bool:
            return logger.isEnabledFor(logging.INFO)

    return _AccessLogger
