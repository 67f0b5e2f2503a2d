"""Pure parts of the container side and of the VM's initramfs."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.baseline.initramfs import BOOT_MARKER, build_initramfs, cpio_newc, is_static_elf
from tui.engine.footprint import chain_ids, pair_layer_sizes, parse_docker_time, working_set_bytes


def test_chain_ids_follow_the_oci_rule():
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    chain = chain_ids([a, b])
    assert chain[0] == a
    assert chain[1] == "sha256:" + hashlib.sha256(f"{a} {b}".encode()).hexdigest()
    # The same layer on another base is another layer.
    assert chain_ids([b, b])[1] != chain[1]


def test_pair_layer_sizes_skips_history_entries_without_layers():
    diff_ids = ["sha256:1", "sha256:2"]
    paired = pair_layer_sizes(diff_ids, [0, 80, 0, 20, 0])  # ENV/CMD entries have size 0
    assert [size for _, size in paired] == [80, 20]
    # An empty layer makes the pairing ambiguous; the total stays exact.
    assert sum(s for _, s in pair_layer_sizes(["x", "y", "z"], [80, 0, 20])) == 100


def test_working_set_subtracts_inactive_file_on_v1_and_v2():
    v2 = {"memory_stats": {"usage": 1000, "stats": {"inactive_file": 300}}}
    v1 = {"memory_stats": {"usage": 1000, "stats": {"total_inactive_file": 100}}}
    assert working_set_bytes(v2) == 700
    assert working_set_bytes(v1) == 900
    assert working_set_bytes({"memory_stats": {}}) is None


def test_parse_docker_time_keeps_microseconds():
    got = parse_docker_time("2024-05-06T07:08:09.123456789Z")
    assert got == datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time("") is None


def test_busybox_check_tells_static_from_dynamic(tmp_path: Path):
    assert not is_static_elf(Path(sys.executable).resolve())  # CPython links libc dynamically
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    assert not is_static_elf(script)
    if Path("/bin/busybox").is_file():  # busybox-static, as the measurement needs
        assert is_static_elf(Path("/bin/busybox"))


@pytest.mark.skipif(not shutil.which("cpio"), reason="cpio lists the archive")
def test_cpio_archive_lists_with_the_cpio_tool(tmp_path: Path):
    archive = cpio_newc([("bin", 0o040755, b""), ("init", 0o100755, b"#!/bin/sh\n")])
    listing = subprocess.run(["cpio", "-t"], input=archive, capture_output=True, check=True)
    assert listing.stdout.split() == [b"bin", b"init"]


def test_initramfs_has_busybox_and_a_marker_printing_init(tmp_path: Path):
    fake_busybox = Path("/bin/busybox")
    if not fake_busybox.is_file():
        pytest.skip("busybox-static is not installed")
    path = build_initramfs(tmp_path, fake_busybox)
    data = gzip.decompress(path.read_bytes())
    assert b"bin/busybox" in data
    assert BOOT_MARKER.encode() in data
    assert data.rstrip(b"\0").endswith(b"TRAILER!!!")
