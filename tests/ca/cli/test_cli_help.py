"""``x509core ... --help`` is plain text: no reStructuredText markup from the docstrings
(issue 16: ``verify --help`` showed ````verify```` and ``:func:`...```)."""

from __future__ import annotations

import argparse
import io
import re
from contextlib import redirect_stderr, redirect_stdout

from x509core.ca.cli import build_parser, main

# Inline literals (``text``) and interpreted-text roles (:func:`x`, :class:`x`, :mod:`x`, ...).
_MARKUP = re.compile(r"``|:(?:func|class|mod|meth|attr|data|exc|obj|rfc|ref|doc):`")


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command path of the parser: (), ("ca",), ("ca", "init"), ..."""
    yield prefix
    for action in parser._actions:                        # argparse keeps subparsers here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*prefix, name))


def _help(command: tuple[str, ...]) -> str:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([*command, "--help"])
    assert code == 0 and err.getvalue() == "", (command, err.getvalue())
    return out.getvalue()


def test_every_command_has_help_without_markup():
    commands = list(_commands(build_parser()))
    # The walk found the commands the README documents, nested ones included.
    assert {("verify",), ("quickstart",), ("ca", "init"), ("issue", "client"),
            ("issue", "server"), ("export-pkcs12",), ("asn1parse",)} <= set(commands)
    for command in commands:
        text = _help(command)
        assert text.startswith("usage: x509core"), command
        found = _MARKUP.search(text)
        assert found is None, (command, text[max(0, found.start() - 60):found.end() + 60])


def test_the_descriptions_still_say_what_the_command_does():
    assert "RFC 5280 path validation" in _help(("verify",))
    assert "Exit status 0 valid" in " ".join(_help(("verify",)).split())
    assert "client certificate bound to this machine" in " ".join(_help(("quickstart",)).split())
