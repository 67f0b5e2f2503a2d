"""Signing in a fresh, private GnuPG home for every run, with every gpg failure one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Signer:
    """Who made a valid signature: the primary key's fingerprint, key id and first user id."""

    fingerprint: str
    user_id: str

    @property
    def key_id(self) -> str:
        """The long key id (last 16 hex digits of the fingerprint)."""
        return self.fingerprint[-16:]

    def describe(self) -> str:
        """`key <id> (<user id>)`, as gpg shows a signer."""
        return f"key {self.key_id} ({self.user_id})"


def trusted_key_map(folder: Path) -> dict[str, str]:
    """keyname-to-fingerprint.json of the trusted keys: key file name to fingerprint."""
    mapping_file = folder / "keyname-to-fingerprint.json"
    try:
        mapping = json.loads(mapping_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SigningError(f"no readable {mapping_file}: run `container-lab keys init`") from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise SigningError(f"{mapping_file} is malformed: run `container-lab keys init --force`")
    return {name: fingerprint.upper() for name, fingerprint in mapping.items()}


def key_name_for(folder: Path, fingerprint: str) -> str:
    """The name keyname-to-fingerprint.json gives the key with `fingerprint`."""
    for name, known in trusted_key_map(folder).items():
        if known == fingerprint.upper():
            return name
    raise SigningError(
        f"the signing key {fingerprint[-16:]} is not in {folder}: run `container-lab keys init`"
    )


def sign_detached(home: Path, fingerprint: str, data: bytes, passphrase: str) -> bytes:
    """A binary detached signature of `data` by the key `fingerprint` in `home`.

    Called after special_k has signed with the same key and passphrase in the same home, so
    a wrong passphrase (which gpgme may answer by crashing) has already been refused.
    """
    import gpg

    with gpg.Context(
        home_dir=str(home),
        armor=False,
        offline=True,
        pinentry_mode=gpg.constants.PINENTRY_MODE_LOOPBACK,
    ) as ctx:
        ctx.set_passphrase_cb(lambda hint, desc, prev_bad, hook=None: passphrase)
        ctx.signers = [ctx.get_key(fingerprint, secret=True)]
        signature, _ = ctx.sign(data, mode=gpg.constants.sig.mode.DETACH)
        return bytes(signature)


def signature_signer(signed: bytes, detached_from: bytes | None = None) -> tuple[Signer, bytes]:
    """Check the clearsigned `signed` against the trusted keys: who signed it, and the message.

    With `detached_from`, `signed` is a detached signature of those bytes, which are returned.
    The keyring is built exactly as special_k builds it (every key file the fingerprint map
    names, and the trustdb), and a signature counts only with special_k's own criteria (full
    validity, green summary, a strong hash). Which key that was is for the caller to judge.
    """
    import gpg
    from special_k.signing import TRUSTED_HASH_ALGORITHMS, add_trusted_keys_to_gpg_home_dir

    with private_gnupg_home() as home:
        try:
            add_trusted_keys_to_gpg_home_dir(str(home))
        except (OSError, ValueError, TypeError, subprocess.CalledProcessError) as exc:
            raise SigningError(f"the trusted keys cannot be loaded: {exc}") from exc
        with gpg.Context(home_dir=str(home), armor=True, offline=True) as ctx:
            try:
                if detached_from is None:
                    message, result = ctx.verify(signed)
                else:
                    _, result = ctx.verify(detached_from, signature=signed)
                    message = detached_from
            except gpg.errors.BadSignatures as exc:
                fingerprints = [s.fpr for s in exc.result.signatures]
                raise SigningError(
                    "the signature is not valid or its key is not among the trusted keys "
                    f"(key {', '.join(fingerprints) or 'unknown'})"
                ) from exc
            except gpg.errors.GPGMEError as exc:
                raise SigningError(f"the metadata is not properly signed: {exc}") from exc
            signatures = result.signatures
            if len(signatures) != 1:
                raise SigningError(f"the metadata carries {len(signatures)} signatures, not one")
            signature = signatures[0]
            good = (
                signature.validity == gpg.constants.validity.FULL
                and signature.summary == (gpg.constants.sigsum.VALID | gpg.constants.sigsum.GREEN)
                and not signature.wrong_key_usage
                and signature.hash_algo in TRUSTED_HASH_ALGORITHMS
            )
            key = ctx.get_key(signature.fpr)
            uids = [uid.uid for uid in key.uids]
            signer = Signer(key.fpr.upper(), uids[0] if uids else "no user id")
            if not good:
                raise SigningError(f"the signature by {signer.describe()} is not fully trusted")
            return signer, message
