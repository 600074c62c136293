"""The command line's first job (README, first command): a strict DER listing."""

import subprocess
import sys

from tests.conftest import INTEROP, REPO, require_shared


def _run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "x509core", *args], cwd=REPO, input=input,
                          capture_output=True, timeout=60)


def test_asn1parse_lists_a_certificate_like_openssl(openssl):
    path = require_shared(INTEROP / "client-HZ109999.pem")
    ours = _run("asn1parse", str(path))
    assert ours.returncode == 0, ours.stderr
    theirs = subprocess.run([openssl, "asn1parse", "-i", "-in", str(path)], capture_output=True,
                            text=True, check=True).stdout
    # Same elements at the same offsets, depths and lengths.
    def skeleton(text):
        return [line.split(" prim:")[0].split(" cons:")[0].replace(" ", "") for line in text.splitlines()]
    assert skeleton(ours.stdout.decode()) == skeleton(theirs)


def test_bad_input_is_one_line_on_stderr_and_exit_2():
    result = _run("asn1parse", "-", input=bytes.fromhex("3081050201010201"))
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "X.690" in lines[0] and "Traceback" not in result.stderr.decode()


def test_missing_file_is_a_clean_error():
    result = _run("asn1parse", "/nonexistent/file.der")
    assert result.returncode == 2 and len(result.stderr.decode().strip().splitlines()) == 1


def test_the_console_script_is_the_same_entry_point_as_python_m():
    """pyproject's ``x509core`` script and ``python -m x509core`` run the same ``main`` (the CA's
    commands with ``serve`` composed in), so they behave identically."""
    import importlib
    import tomllib
    target = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]["x509core"]
    module, _, function = target.partition(":")
    script_main = getattr(importlib.import_module(module), function)
    script = subprocess.run([sys.executable, "-c", f"import sys; from {module} import {function}; "
                             f"sys.exit({function}(['--help']))"], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    python_m = subprocess.run([sys.executable, "-m", "x509core", "--help"], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    assert script.returncode == python_m.returncode == 0
    assert script.stdout == python_m.stdout and " serve " in python_m.stdout
    import x509core.__main__
    assert script_main is x509core.__main__.main
