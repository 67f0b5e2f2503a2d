"""The demo signing key: made fresh with gpg in batch mode, kept in the git-ignored lab folder.

.lab/keys/           signing-key.asc (armoured, passphrase-protected) and passphrase: private,
                     reach the container only at run time, read-only
.lab/trusted-keys/   special_k's SERIALIZATION_TRUSTED_KEYS_DIR: container-lab.pub.asc,
                     trustdb.txt, keyname-to-fingerprint.json
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError
from tui.lab.identity import LabIdentity, ensure_identity, hand_over
from tui.paths import LabPaths

SECRET_KEY_FILE = "signing-key.asc"
PASSPHRASE_FILE = "passphrase"
PUBLIC_KEY_FILE = "container-lab.pub.asc"
KEY_USER_ID = "Container Lab demo signing key <lab@container-lab.invalid>"


@dataclass(frozen=True)
class LabKeys:
    """Where the signing material lives and the key's fingerprint."""

    fingerprint: str
    secret_key: Path
    passphrase: Path
    trusted_dir: Path

    def describe(self) -> str:
        """A short, human summary."""
        return (
            f"signing key {self.fingerprint}\n  private: {self.secret_key} and {self.passphrase}"
            f"\n  trusted keys (SERIALIZATION_TRUSTED_KEYS_DIR): {self.trusted_dir}"
        )


def _gpg(home: Path, *args: str, stdin: str | None = None) -> str:
    if shutil.which("gpg") is None:
        raise LabError("gpg is not installed: run `apt-get install gpg gpg-agent`.")
    result = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--no-tty", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise LabError(f"gpg {args[0]} failed: {reason}")
    return result.stdout


def load_keys(paths: LabPaths) -> LabKeys:
    """The lab's keys, or a LabError saying to run `container-lab keys init`."""
    secret = paths.keys / SECRET_KEY_FILE
    passphrase = paths.keys / PASSPHRASE_FILE
    mapping_file = paths.trusted_keys / "keyname-to-fingerprint.json"
    for required in (secret, passphrase, mapping_file, paths.trusted_keys / "trustdb.txt"):
        if not required.is_file():
            raise LabError(f"missing {required}: run `container-lab keys init`.")
    try:
        mapping = json.loads(mapping_file.read_text())
        fingerprint = mapping[PUBLIC_KEY_FILE]
    except (ValueError, KeyError) as exc:
        raise LabError(
            f"{mapping_file} is malformed: run `container-lab keys init --force`."
        ) from exc
    return LabKeys(fingerprint, secret, passphrase, paths.trusted_keys)


def init_keys(paths: LabPaths, *, force: bool = False) -> LabKeys:
    """Make a fresh passphrase-protected signing key and the trusted-keys folder."""
    if (paths.keys / SECRET_KEY_FILE).exists() and not force:
        return load_keys(paths)
    identity = ensure_identity(paths.env_file)
    passphrase = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="container-lab-gnupg-") as tmp:
        home = Path(tmp)
        home.chmod(0o700)
        passfile = home / "passphrase"
        passfile.write_text(passphrase)
        loopback = ("--pinentry-mode", "loopback", "--passphrase-file", str(passfile))
        try:
            _gpg(home, *loopback, "--quick-generate-key", KEY_USER_ID, "rsa3072", "sign", "2y")
            listing = _gpg(home, "--with-colons", "--list-secret-keys")
            fingerprint = next(
                line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")
            )
            public = _gpg(home, "--armor", "--export", fingerprint)
            secret = _gpg(home, *loopback, "--armor", "--export-secret-keys", fingerprint)
        finally:
            subprocess.run(
                ["gpgconf", "--homedir", str(home), "--kill", "all"],
                capture_output=True,
                check=False,
            )
    _write_private(paths, identity, secret, passphrase)
    _write_trusted(paths, identity, fingerprint, public)
    return load_keys(paths)


def _write_private(paths: LabPaths, identity: LabIdentity, secret: str, passphrase: str) -> None:
    for folder in (paths.lab, paths.keys):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
        hand_over(folder, identity)
    for name, content in ((SECRET_KEY_FILE, secret), (PASSPHRASE_FILE, passphrase + "\n")):
        target = paths.keys / name
        target.unlink(missing_ok=True)
        target.touch(mode=0o600)
        target.write_text(content)
        hand_over(target, identity)


def _write_trusted(paths: LabPaths, identity: LabIdentity, fingerprint: str, public: str) -> None:
    folder = paths.trusted_keys
    if folder.exists():
        shutil.rmtree(folder)  # keys of an earlier init are no longer trusted
    folder.mkdir(mode=0o755)
    (folder / PUBLIC_KEY_FILE).write_text(public)
    (folder / "trustdb.txt").write_text(f"{fingerprint}:6:\n")
    (folder / "keyname-to-fingerprint.json").write_text(
        json.dumps({PUBLIC_KEY_FILE: fingerprint}, indent=2) + "\n"
    )
    for entry in (folder, *folder.iterdir()):
        hand_over(entry, identity)
