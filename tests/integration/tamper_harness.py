"""Runs inside the training image: tampered copies of a model, each verified in a forked child.

Usage: python tamper_harness.py GOOD.tar.gz FOREIGN.tar.gz FLIPS

A child is refused only when verify raises RefusedModel with a one-line reason (exit 1); one
that loads a model whose content was changed (exit 0), raises anything else (a traceback, exit
3), gives a multi-line reason (exit 5) or is killed by a signal is a failure. Prints one JSON
summary line. This file is test code mounted read-only into the
container; it is not part of the image.
"""

from __future__ import annotations

import gzip
import io
import json
import multiprocessing
import random
import sys
import tarfile
import traceback
from collections.abc import Callable
from pathlib import Path

CASE = Path("/tmp/case.tar.gz")
GZIP_HEADER = 10  # magic, method, flags, mtime, xfl, os: unsigned metadata
GZIP_TRAILER = 8  # crc32 and size


def _child(path: str) -> None:
    from training.verify import RefusedModel, verify

    try:
        verify(Path(path))
    except RefusedModel as exc:
        reason = str(exc)
        sys.exit(1 if reason and "\n" not in reason else 5)
    except BaseException:
        traceback.print_exc()
        sys.exit(3)
    sys.exit(0)


def run_case(data: bytes) -> int:
    """Write the case, verify it in a forked child, return the child's exit code."""
    CASE.write_bytes(data)
    child = multiprocessing.get_context("fork").Process(target=_child, args=(str(CASE),))
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        child.join()
        return -999
    return child.exitcode if child.exitcode is not None else -998


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """The bytes of a regular-file member."""
    file = archive.extractfile(member)
    assert file is not None, member.name
    return file.read()


def _rebuild(source: bytes, edit: Callable[[tarfile.TarFile, tarfile.TarFile], None]) -> bytes:
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(source), mode="r:gz") as old,
        tarfile.open(fileobj=out, mode="w:gz") as new,
    ):
        edit(old, new)
    return out.getvalue()


def flip_member(source: bytes, name_suffix: str, offset: int) -> bytes:
    """A copy with one byte of one member flipped."""

    def edit(old: tarfile.TarFile, new: tarfile.TarFile) -> None:
        for member in old.getmembers():
            data = _read(old, member) if member.isfile() else None
            if data and member.name.endswith(name_suffix):
                payload = bytearray(data)
                payload[offset % len(payload)] ^= 0x20
                data = bytes(payload)
            new.addfile(member, io.BytesIO(data) if data is not None else None)

    return _rebuild(source, edit)


def extra_folder(source: bytes) -> bytes:
    """A copy with a second top-level folder."""

    def edit(old: tarfile.TarFile, new: tarfile.TarFile) -> None:
        for member in old.getmembers():
            data = _read(old, member) if member.isfile() else None
            new.addfile(member, io.BytesIO(data) if data is not None else None)
        extra = tarfile.TarInfo("extra")
        extra.type = tarfile.DIRTYPE
        new.addfile(extra)

    return _rebuild(source, edit)


def extra_member(source: bytes, name: str, size: int, data: io.RawIOBase) -> bytes:
    """A copy with one more member in the model folder."""

    def edit(old: tarfile.TarFile, new: tarfile.TarFile) -> None:
        folder = next(m.name for m in old.getmembers() if m.isdir())
        for member in old.getmembers():
            new.addfile(member, old.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo(f"{folder}/{name}")
        info.size = size
        new.addfile(info, data)

    return _rebuild(source, edit)


class _Zeros(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        buffer[:] = bytes(len(buffer))
        return len(buffer)


def main() -> int:
    """Try every kind of tampering; print a JSON summary; exit 1 on any load or crash."""
    # Import once here so each forked child only verifies (no gpgme context exists before fork).
    import special_k  # noqa: F401

    import training.verify  # noqa: F401

    good = Path(sys.argv[1]).read_bytes()
    foreign = Path(sys.argv[2]).read_bytes()
    flips = int(sys.argv[3])
    content = gzip.decompress(good)
    results: dict[str, dict[str, int]] = {}

    def record(kind: str, data: bytes) -> None:
        code = run_case(data)
        bucket = results.setdefault(kind, {"tried": 0, "refused": 0, "loaded": 0, "crashed": 0})
        bucket["tried"] += 1
        if code == 1:
            bucket["refused"] += 1
        elif code == 0:
            try:
                same = gzip.decompress(data) == content
            except Exception:
                same = False
            # A flip in deflate's padding bits can leave the content byte-for-byte unchanged.
            bucket["unchanged_content_loaded" if same else "loaded"] = (
                bucket.get("unchanged_content_loaded" if same else "loaded", 0) + 1
            )
        else:
            bucket["crashed"] += 1

    assert run_case(good) == 0, "the untampered model must load (control)"
    with tarfile.open(fileobj=io.BytesIO(good), mode="r:gz") as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    for name in names:
        for offset in (0, 97, 1031):
            record(f"flip:{name.split('/')[-1]}", flip_member(good, name, offset))
    for fraction in (0.1, 0.5, 0.9, 0.99):
        record("truncation", good[: int(len(good) * fraction)])
    record("extra top-level folder", extra_folder(good))
    code = b"import os\n"
    record("extra .py member", extra_member(good, "evil.py", len(code), io.BytesIO(code)))  # type: ignore[arg-type]
    record("1.5 GiB member of zeros", extra_member(good, "zeros.bin", 3 << 29, _Zeros()))
    record("doubled", good + good)
    record("signed by an untrusted key", foreign)
    record("empty", b"")
    record("not a tarball", b"just some text\n" * 10)
    rng = random.Random(20261122)
    for _ in range(flips):
        data = bytearray(good)
        position = rng.randrange(GZIP_HEADER, len(data) - GZIP_TRAILER)
        data[position] ^= rng.randrange(1, 256)
        record("random byte flip", bytes(data))
    failures = sum(b["loaded"] + b["crashed"] for b in results.values())
    print(json.dumps({"results": results, "failures": failures}, sort_keys=True))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
