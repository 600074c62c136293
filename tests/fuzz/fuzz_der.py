"""A libFuzzer target (atheris) for the DER layer and, when it exists, the PEM reader.

Not a pytest module (its name does not start with ``test_``): it runs by hand, outside CI::

    python tests/fuzz/fuzz_der.py -atheris_runs=100000 [CORPUS_DIR ...]

``tests/fuzz/README.md`` gives the seed corpus and the options. For each input it checks what
``tests/der/test_fuzz_properties.py`` checks with hypothesis: ``decode``, the typed Reader walk,
the certificate walk and ``dump`` raise nothing but :class:`DecodeError`; ``decode`` and the
typed walk accept the same inputs with the same values; an accepted input re-encodes to itself.
Then every block that ``x509core.pem.decode`` finds in the input goes through the same checks.
Any other exception, or a failed assertion, is a crash that libFuzzer reports and saves.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import atheris

# Import (and so instrument) every x509core module that the checks below reach.
with atheris.instrument_imports(include=["x509core"]):
    import x509core.der
    import x509core.der.dump  # noqa: F401
    from x509core.errors import DecodeError
    # x509core/pem.py is being written alongside; fuzz it as soon as it is there.
    pem = None
    if importlib.util.find_spec("x509core.pem") is not None:
        pem = importlib.import_module("x509core.pem")

from tests.der.test_fuzz_properties import check_hostile_input


def TestOneInput(data: bytes) -> None:
    check_hostile_input(data)
    if pem is None:
        return
    try:
        blocks = pem.decode(data)
    except DecodeError:
        return
    for _, der in blocks:
        check_hostile_input(der)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
