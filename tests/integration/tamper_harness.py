"""Runs inside the training image: damaged copies of a model, each verified in a forked child.

Usage: python tamper_harness.py GOOD.tar.gz FOREIGN.tar.gz FLIPS

A child is refused only when verify raises RefusedModel with a one-line reason (exit 1; the
check that refused comes back through a pipe); one that loads a model whose content was changed
(exit 0), raises anything else (a traceback, exit 3), gives a multi-line reason (exit 5) or is
killed by a signal is a failure. Named damage (a flipped byte in each member, truncations, extra
members, ...) is reported per kind; fuzzing apart, per campaign and per check that refused:
FLIPS random bytes of the *uncompressed* archive, recompressed (so they reach our own checks
rather than gzip's CRC), a quarter as many in the header blocks alone, and a tenth as many in
the gzip file itself. Prints one JSON summary line. This file is test code mounted read-only
into the container; it is not part of the image.
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
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

CASE = Path("/tmp/case.tar.gz")
GZIP_HEADER = 10  # magic, method, flags, mtime, xfl, os: unsigned metadata
GZIP_TRAILER = 8  # crc32 and size
BLOCK = 512


def _child(path: str, sender: Connection) -> None:
    from training.verify import RefusedModel, verify

    try:
        verify(Path(path))
    except RefusedModel as exc:
        reason = str(exc)
        sender.send(exc.check)
        sys.exit(1 if reason and "\n" not in reason else 5)
    except BaseException:
        traceback.print_exc()
        sys.exit(3)
    sys.exit(0)


def run_case(data: bytes) -> tuple[int, str]:
    """Write the case, verify it in a forked child: its exit code and the check that refused."""
    CASE.write_bytes(data)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(str(CASE), sender))
    child.start()
    sender.close()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        child.join()
        return -999, ""
    try:
        check = str(receiver.recv()) if receiver.poll() else ""
    except EOFError:  # the child sent nothing (it verified, or crashed)
        check = ""
    finally:
        receiver.close()
    return (child.exitcode if child.exitcode is not None else -998), check


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


def header_offsets(archive: bytes) -> list[int]:
    """Where each header block of a plain archive starts (up to the end block)."""
    offsets, offset = [], 0
    while archive[offset : offset + BLOCK].strip(b"\0"):
        offsets.append(offset)
        size = int(archive[offset + 124 : offset + 136].rstrip(b"\0 ") or b"0", 8)
        offset += BLOCK + size + (-size % BLOCK)
    return offsets


@dataclass
class Bucket:
    """Outcomes of one kind of damage."""

    tried: int = 0
    refused: int = 0
    loaded: int = 0
    crashed: int = 0
    unchanged_content_loaded: int = 0
    by_check: dict[str, int] = field(default_factory=dict)


class Tally:
    """Outcomes per kind: tried, refused (and by which check), loaded, crashed."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.results: dict[str, Bucket] = {}

    def record(self, kind: str, data: bytes, *, compare_content: bool = True) -> None:
        """Verify `data` and count the outcome under `kind`."""
        code, check = run_case(data)
        bucket = self.results.setdefault(kind, Bucket())
        bucket.tried += 1
        if code == 1:
            bucket.refused += 1
            bucket.by_check[check] = bucket.by_check.get(check, 0) + 1
        elif code == 0:
            try:
                same = compare_content and gzip.decompress(data) == self.content
            except Exception:
                same = False
            # A flip in deflate's padding bits can leave the content byte-for-byte unchanged.
            if same:
                bucket.unchanged_content_loaded += 1
            else:
                bucket.loaded += 1
        else:
            bucket.crashed += 1

    def failures(self) -> int:
        """Loads of changed content and crashes, over every kind."""
        return sum(b.loaded + b.crashed for b in self.results.values())


def named_damage(tally: Tally, good: bytes, foreign: bytes) -> None:
    """Each kind of damage the tests name, once or a few times."""
    with tarfile.open(fileobj=io.BytesIO(good), mode="r:gz") as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    for name in names:
        for offset in (0, 97, 1031):
            tally.record(f"flip:{name.split('/')[-1]}", flip_member(good, name, offset))
    for fraction in (0.1, 0.5, 0.9, 0.99):
        tally.record("truncation", good[: int(len(good) * fraction)])
    tally.record("extra top-level folder", extra_folder(good))
    code = b"import os\n"
    tally.record("extra .py member", extra_member(good, "evil.py", len(code), io.BytesIO(code)))  # type: ignore[arg-type]
    tally.record("1.5 GiB member of zeros", extra_member(good, "zeros.bin", 3 << 29, _Zeros()))
    tally.record("doubled", good + good)
    tally.record("signed by an untrusted key", foreign)
    tally.record("empty", b"")
    tally.record("not a tarball", b"just some text\n" * 10)


def fuzz(tally: Tally, good: bytes, flips: int) -> None:
    """Random flips: of the uncompressed archive (anywhere, then headers only) and of the file."""
    rng = random.Random(20261122)
    content = tally.content
    headers = header_offsets(content)
    campaigns: list[tuple[str, int, Callable[[], int]]] = [
        ("fuzz: uncompressed archive", flips, lambda: rng.randrange(len(content))),
        (
            "fuzz: uncompressed header blocks",
            flips // 4,
            lambda: rng.choice(headers) + rng.randrange(BLOCK),
        ),
    ]
    for kind, count, position in campaigns:
        for _ in range(count):
            data = bytearray(content)
            data[position()] ^= rng.randrange(1, 256)
            packed = gzip.compress(bytes(data), compresslevel=1, mtime=0)
            tally.record(kind, packed, compare_content=False)
    for _ in range(flips // 10):
        data = bytearray(good)
        data[rng.randrange(GZIP_HEADER, len(data) - GZIP_TRAILER)] ^= rng.randrange(1, 256)
        tally.record("fuzz: gzip file", bytes(data))


def main() -> int:
    """Try every kind of damage; print a JSON summary; exit 1 on any load or crash."""
    # Import once here so each forked child only verifies (no gpgme context exists before fork).
    import special_k  # noqa: F401

    import training.verify  # noqa: F401

    good = Path(sys.argv[1]).read_bytes()
    foreign = Path(sys.argv[2]).read_bytes()
    flips = int(sys.argv[3])
    tally = Tally(gzip.decompress(good))
    code, check = run_case(good)
    assert code == 0, f"the undamaged model must load (control), got {code} {check}"
    named_damage(tally, good, foreign)
    fuzz(tally, good, flips)
    failures = tally.failures()
    results = {kind: asdict(bucket) for kind, bucket in tally.results.items()}
    print(json.dumps({"results": results, "failures": failures}, sort_keys=True))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
