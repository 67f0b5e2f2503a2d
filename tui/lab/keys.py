"""The demo signing key: made fresh with gpg in batch mode, kept in the git-ignored lab folder.

.lab/                700, owned by whoever ran `keys init` (never handed to the container's uid)
.lab/keys/           700: signing-key.asc (armoured, passphrase-protected) and passphrase, 600;
                     a run gets a copy of them (tui.lab.run_secrets), never these files
.lab/trusted-keys/   755, files 644, writable by its owner only: special_k's
                     SERIALIZATION_TRUSTED_KEYS_DIR (container-lab.pub.asc, trustdb.txt,
                     keyname-to-fingerprint.json)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError
from tui.lab.files import make_folder, replace_file, write_new
from tui.lab.identity import ensure_identity
from tui.paths import LabPaths

SECRET_KEY_FILE = "signing-key.asc"
PASSPHRASE_FILE = "passphrase"
PUBLIC_KEY_FILE = "container-lab.pub.asc"
MAPPING_FILE = "keyname-to-fingerprint.json"
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
    mapping_file = paths.trusted_keys / MAPPING_FILE
    _refuse_not_a_folder(paths.lab)
    for required in (secret, passphrase, mapping_file, paths.trusted_keys / "trustdb.txt"):
        if not required.is_file():
            _refuse_unreachable(paths, required)
            raise LabError(f"missing {required}: run `container-lab keys init`.")
    for private in (paths.keys, secret, passphrase):
        _check_private(private)
    try:
        mapping = json.loads(mapping_file.read_text())
        fingerprint = mapping[PUBLIC_KEY_FILE] if isinstance(mapping, dict) else None
    except OSError as exc:  # gone or swapped since the check above: say so, no traceback
        raise LabError(
            f"cannot read {mapping_file} ({exc.strerror}): is something changing the lab's "
            "keys? Run `container-lab keys init` if they are missing."
        ) from None
    except (ValueError, KeyError, RecursionError):
        fingerprint = None
    if not isinstance(fingerprint, str):
        raise LabError(
            f"{mapping_file} is malformed (not an object naming {PUBLIC_KEY_FILE}'s "
            "fingerprint): run `container-lab keys init --force`."
        )
    return LabKeys(fingerprint, secret, passphrase, paths.trusted_keys)


def _refuse_not_a_folder(folder: Path) -> None:
    """One line for a lab folder that is a file or a link (the lab never follows one)."""
    if folder.is_symlink():
        raise LabError(f"{folder} is a link, which the lab does not follow: remove it.")
    if folder.exists() and not folder.is_dir():
        raise LabError(
            f"{folder} is not a folder: move it away, then run `container-lab keys init`."
        )


def _refuse_unreachable(paths: LabPaths, required: Path) -> None:
    """A clear line when the file may exist but belongs to someone else's lab folder."""
    for folder in (paths.lab, required.parent):
        if folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK):
            raise LabError(
                f"{folder} belongs to uid {folder.stat().st_uid}, not to you: run the lab as "
                f"that user, or remove {paths.lab} and run `container-lab keys init`."
            )


def _check_private(path: Path) -> None:
    """Refuse a key that others may read or that someone else could have replaced."""
    try:
        info = path.stat()
    except OSError as exc:  # gone or swapped since load_keys looked: say so, no traceback
        raise LabError(
            f"cannot check {path} ({exc.strerror}): is something changing the lab's keys? "
            "Run `container-lab keys init` if they are missing."
        ) from None
    if info.st_mode & 0o077 or info.st_uid != os.geteuid():
        raise LabError(
            f"{path} is not private to you (owner uid {info.st_uid}, mode "
            f"{info.st_mode & 0o777:o}): run `container-lab keys init --force` to make new keys."
        )


def init_keys(paths: LabPaths, *, force: bool = False) -> LabKeys:
    """Make a fresh passphrase-protected signing key and the trusted-keys folder."""
    if (paths.keys / SECRET_KEY_FILE).exists() and not force:
        return load_keys(paths)
    ensure_identity(paths.env_file)  # Compose reads USER_ID and GROUP_ID from .env
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
    _write_private(paths, secret, passphrase)
    _write_trusted(paths, fingerprint, public)
    return load_keys(paths)


def _own_folder(folder: Path, mode: int) -> None:
    """Create `folder` (or take back one an older lab handed away) for the caller, at `mode`."""
    _refuse_not_a_folder(folder)
    folder.mkdir(mode=mode, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(folder, os.geteuid(), os.getegid(), follow_symlinks=False)
    try:
        folder.chmod(mode)
    except PermissionError as exc:
        raise LabError(
            f"{folder} belongs to uid {folder.stat().st_uid}: run as that user or remove it."
        ) from exc


def _write_private(paths: LabPaths, secret: str, passphrase: str) -> None:
    for folder in (paths.lab, paths.keys):
        _own_folder(folder, 0o700)
    for name, content in ((SECRET_KEY_FILE, secret), (PASSPHRASE_FILE, passphrase + "\n")):
        replace_file(paths.keys / name, content.encode(), 0o600)


def _write_trusted(paths: LabPaths, fingerprint: str, public: str) -> None:
    folder = paths.trusted_keys
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)  # keys of an earlier init are no longer trusted
    make_folder(folder, 0o755)  # whatever the umask: only the owner writes
    for name, content in (
        (PUBLIC_KEY_FILE, public),
        ("trustdb.txt", f"{fingerprint}:6:\n"),
        (MAPPING_FILE, json.dumps({PUBLIC_KEY_FILE: fingerprint}, indent=2) + "\n"),
    ):
        write_new(folder / name, content.encode(), 0o644)
