"""Signing in a fresh, private GnuPG home for every run, with every gpg failure one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SigningError(Exception):
    """Signing material is missing or wrong; the message says which and what to do."""


def read_passphrase(path: Path) -> str:
    """The passphrase from its secret file (one line); special_k refuses an empty one."""
    try:
        passphrase = path.read_text(encoding="utf-8").rstrip("\r\n")
    except FileNotFoundError as exc:
        raise SigningError(
            f"no passphrase file at {path}: run `container-lab keys init` on the host"
        ) from exc
    except OSError as exc:
        raise SigningError(f"cannot read the passphrase file {path}: {exc.strerror}") from exc
    if not passphrase:
        raise SigningError(f"the passphrase file {path} is empty: special_k needs a passphrase")
    return passphrase


@contextmanager
def private_gnupg_home(parent: str | None = None) -> Iterator[Path]:
    """A new GnuPG home (mode 700) that no earlier run's agent has seen; removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix="gnupg-", dir=parent))
    home.chmod(0o700)
    try:
        yield home
    finally:
        # The agent caches passphrases: stop it so nothing outlives this run.
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "all"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(home, ignore_errors=True)


def _gpg(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GPG_AGENT_INFO"}
    return subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--no-tty", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def import_signing_key(home: Path, key_file: Path) -> str:
    """Import the armoured secret key into `home` and return its fingerprint."""
    if not key_file.is_file():
        raise SigningError(f"no signing key at {key_file}: run `container-lab keys init`")
    result = _gpg(home, "--import", str(key_file))
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["gpg failed"])[-1]
        raise SigningError(f"cannot import the signing key {key_file.name}: {reason}")
    listing = _gpg(home, "--with-colons", "--list-secret-keys")
    fingerprints = [
        line.split(":")[9] for line in listing.stdout.splitlines() if line.startswith("fpr:")
    ]
    if not fingerprints:
        raise SigningError(f"{key_file.name} holds no secret key: run `container-lab keys init`")
    return fingerprints[0]


def describe_gpg_error(exc: BaseException) -> str:
    """One line for a gpgme failure, naming the usual causes."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    lowered = text.lower()
    if "bad passphrase" in lowered:
        return "bad passphrase for the signing key: check .lab/keys/passphrase or re-run keys init"
    if "no secret key" in lowered or type(exc).__name__ == "KeyNotFound":
        return "the signing key is not in the keyring: run `container-lab keys init`"
    return f"gpg failed: {text}"
