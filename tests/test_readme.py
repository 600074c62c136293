"""README.md and .ci/run agree: CI runs exactly the test command the README gives."""

import re

from tests.conftest import REPO


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)


def test_readme_has_the_two_commands():
    commands = _readme_commands()
    assert len(commands) >= 2
    assert "pip install" in commands[0] and "x509core" in commands[0]
    assert "'.[test]'" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert _readme_commands()[1] in ci_lines


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.+?)\n```", (REPO / "README.md").read_text(), flags=re.S)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every Python example of the README runs as written (key generation replaced by the
    pre-generated test keys, so the suite does not spend minutes in keygen)."""
    from tests.conftest import INTEROP
    from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
    from x509core import rsa

    fixtures = {2048: private_key(RSA_2048), 4096: private_key(RSA_4096)}
    monkeypatch.setattr(rsa, "generate_private_key", lambda bits=4096, **_: fixtures[bits])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cert.pem").write_text((INTEROP / "client-HZ109999.pem").read_text())
    for name in ("client-HZ109999.pem", "license-server-ca.pem"):
        (tmp_path / name).write_text((INTEROP / name).read_text())
    blocks = _python_blocks()
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})
