"""The dashboard does not load what only an ssh:// engine needs (tui/engine/deferred.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui.engine.deferred import DeferredModule


def _python(code: str) -> str:
    """Run `code` in a fresh interpreter (this one has imported everything already)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_the_dashboard_imports_without_paramiko_or_cryptography() -> None:
    # This failed before: docker-py imported paramiko, and with it cryptography (about 16 MiB).
    loaded = _python(
        "import sys, tui.cli, tui.wiring, tui.views.app\n"
        "names = {'paramiko.transport', 'paramiko.client', 'cryptography', 'nacl', 'bcrypt'}\n"
        "print(sorted(names & sys.modules.keys()))"
    )
    assert loaded == "[]"


def test_an_ssh_engine_still_gets_the_real_module() -> None:
    # What docker-py does for ssh://: `import paramiko` at import time, attributes when used.
    out = _python(
        "import tui.engine.backend\n"
        "from docker.transport import sshconn\n"
        "import paramiko\n"
        "client = sshconn.paramiko.SSHClient()\n"
        "from paramiko import RejectPolicy\n"
        "import sys\n"
        "print(type(client).__module__, RejectPolicy.__module__,"
        " type(sys.modules['paramiko']).__name__)"
    )
    assert out == "paramiko.client paramiko.client module"


def test_a_missing_attribute_is_still_an_attribute_error() -> None:
    stand_in = DeferredModule("json")
    with pytest.raises(AttributeError):
        _ = stand_in.no_such_thing
    assert stand_in.dumps([1]) == "[1]"
