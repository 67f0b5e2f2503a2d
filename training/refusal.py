"""Why a model is refused, and which check refused it (the fuzzing report counts per check)."""

from __future__ import annotations

FILE = "file"  # the input itself: a link, not a regular file, empty, over the size cap
GZIP = "gzip"  # gzip header, deflate data, CRC or length, bytes after the gzip member
TAR = "tar header"  # header checksum and fields, member types, padding, end of archive
LAYOUT = "layout"  # one flat model folder, safe names, caps, no name twice
SIGNATURE = "signature"  # signed metadata: valid, by the key the key map names
MANIFEST = "manifest"  # every member against the signed manifest (or special_k's coverage)
HASH = "hash"  # special_k's HMAC of a member
METADATA = "metadata"  # what the signed metadata says: well formed, key name, training time
VALIDATION = "validation"  # the model's own validation after loading
NAME = "file name"  # the file name's timestamp against the signed training time
CHECKS = (FILE, GZIP, TAR, LAYOUT, SIGNATURE, MANIFEST, HASH, METADATA, VALIDATION, NAME)


class RefusedModel(Exception):
    """The tarball is not a valid, trusted, working model; the message says why in one line."""

    def __init__(self, message: str, check: str) -> None:
        """`check` is one of CHECKS: the one that refused."""
        super().__init__(message)
        self.check = check


class BadTarball(RefusedModel):
    """The file is not an acceptable model tarball (gzip, tar or layout)."""


def shown(text: str, limit: int = 80) -> str:
    """`text` safe for one line of a terminal: controls and non-ASCII escaped, length capped."""
    escaped = text.encode("ascii", "backslashreplace").decode("ascii")
    escaped = "".join(c if " " <= c <= "~" else f"\\x{ord(c):02x}" for c in escaped)
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


def size_text(count: int) -> str:
    """`3 MiB` from a MiB on, `512 bytes` below."""
    mib = 1024 * 1024
    return f"{count / mib:.0f} MiB" if count >= mib else f"{count} bytes"
