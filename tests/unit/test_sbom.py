"""The SBOM from an image's files, and those files from an image's layers (no engine here).

The layers are tar archives built here as an engine's `image save` lays them out: several
layers, the manifest last, whiteouts and an opaque folder, so the merge is checked against a
filesystem whose answer is known. The real engine's archive of the real training image is in
tests/integration/test_reproducible.py.
"""

from __future__ import annotations

import io
import json
import random
import tarfile
from collections.abc import Callable

import pytest

from training.sbom import (
    DEBIAN,
    PYTHON,
    cyclonedx,
    document_bytes,
    kind_counts,
    largest,
    packages,
    sbom_digest,
    wanted,
)
from tui.engine.image_files import LayerFiles, merge_layers, read_layer, read_saved_image
from tui.errors import LabError

SITE = "opt/venv/lib/python3.11/site-packages"
STATUS = (
    "Package: libc6\nStatus: install ok installed\nInstalled-Size: 12000\n"
    "Architecture: amd64\nVersion: 2.36-9\nDescription: the C library\n continued line\n\n"
    "Package: old\nStatus: deinstall ok config-files\nInstalled-Size: 99999\n"
    "Architecture: amd64\nVersion: 1\n\n"
    "Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2025a\n"
)
FILES = {
    "usr/lib/os-release": b'PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\nVERSION_ID="12"\n',
    "var/lib/dpkg/status": STATUS.encode(),
    f"{SITE}/scikit_learn-1.9.1.dist-info/METADATA": b"Name: scikit-learn\nVersion: 1.9.1\n\nx",
    f"{SITE}/scikit_learn-1.9.1.dist-info/RECORD": b"a,sha256=x,100\nb,sha256=y,250\nc,,\n",
    "usr/lib/python3/dist-packages/gpg-1.18.0.egg-info": b"Name: gpg\nVersion: 1.18.0\n",
}


def test_installed_packages_with_sizes_purls_and_kinds() -> None:
    found = {p.name: p for p in packages(FILES)}
    assert set(found) == {"libc6", "tzdata", "scikit-learn", "gpg"}, "not the deinstalled one"
    assert found["libc6"].size == 12000 * 1024, "dpkg counts KiB"
    assert found["libc6"].purl == "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12"
    assert found["tzdata"].size == 0
    assert found["scikit-learn"].size == 350, "the sizes RECORD lists"
    assert found["scikit-learn"].purl == "pkg:pypi/scikit-learn@1.9.1"
    assert found["scikit-learn"].location == SITE
    assert found["gpg"].kind == PYTHON and found["libc6"].kind == DEBIAN
    assert kind_counts(packages(FILES)) == {"debian": 2, "python": 2}
    assert [p.name for p in largest(packages(FILES), 2)] == ["libc6", "scikit-learn"]


def test_the_document_is_the_same_bytes_whatever_the_files_order() -> None:
    shuffled = list(FILES.items())
    random.Random(4).shuffle(shuffled)
    assert document_bytes(cyclonedx(dict(shuffled))) == document_bytes(cyclonedx(FILES))
    document = json.loads(document_bytes(cyclonedx(FILES)))
    assert document["bomFormat"] == "CycloneDX" and document["specVersion"] == "1.5"
    assert "serialNumber" not in document and "timestamp" not in document["metadata"]
    assert document["metadata"]["component"]["name"] == "debian"
    refs = [c["bom-ref"] for c in document["components"]]
    assert len(refs) == len(set(refs)) == 4
    changed = {**FILES, "var/lib/dpkg/status": STATUS.replace("2.36-9", "2.36-10").encode()}
    assert sbom_digest(cyclonedx(changed)) != sbom_digest(cyclonedx(FILES))


@pytest.mark.parametrize(
    ("path", "is_wanted"),
    [
        ("var/lib/dpkg/status", True),
        ("var/lib/dpkg/status-old", False),
        (f"{SITE}/numpy-2.4.6.dist-info/METADATA", True),
        (f"{SITE}/numpy-2.4.6.dist-info/RECORD", True),
        (f"{SITE}/numpy-2.4.6.dist-info/LICENSE", False),
        (f"{SITE}/numpy/__init__.py", False),
        ("usr/lib/python3/dist-packages/x.egg-info/PKG-INFO", True),
        ("home/u/src/x.dist-info/METADATA", False),
    ],
)
def test_which_files_feed_the_sbom(path: str, is_wanted: bool) -> None:
    assert wanted(path) is is_wanted


def _layer(entries: list[tuple[str, bytes | None]]) -> bytes:
    """A layer tar: (path, data) files, (path, None) folders; `.wh.` names are whiteouts."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _saved(layers: list[bytes], manifest_first: bool = False) -> bytes:
    names = [f"{i:064x}/layer.tar" for i in range(len(layers))]
    manifest = json.dumps([{"Config": "c.json", "Layers": names}]).encode()
    entries: list[tuple[str, bytes]] = list(zip(names, layers, strict=True))
    if manifest_first:
        entries = [("manifest.json", manifest), *entries]
    else:
        entries = [*entries, ("manifest.json", manifest)]
    return _layer([(name, data) for name, data in entries])


STATUS_PATH = "var/lib/dpkg/status"
META = f"{SITE}/numpy-2.4.6.dist-info/METADATA"


def test_later_layers_replace_and_whiteouts_remove() -> None:
    base = _layer([("var", None), (STATUS_PATH, b"v1"), (META, b"Name: numpy"), ("etc/x", b"")])
    update = _layer([(STATUS_PATH, b"v2"), (f"{SITE}/numpy-2.4.6.dist-info/.wh.METADATA", b"")])
    files = read_saved_image(io.BytesIO(_saved([base, update])), wanted)
    assert files == {STATUS_PATH: b"v2"}, "the newer status; numpy removed; etc/x not wanted"


def test_an_opaque_folder_hides_what_lower_layers_had_in_it() -> None:
    base = _layer([(META, b"Name: numpy"), (STATUS_PATH, b"v1")])
    opaque = _layer([(f"{SITE}/.wh..wh..opq", b""), (f"{SITE}/a-1.dist-info/METADATA", b"A")])
    for manifest_first in (False, True):
        saved = io.BytesIO(_saved([base, opaque], manifest_first))
        files = read_saved_image(saved, wanted)
        assert files == {STATUS_PATH: b"v1", f"{SITE}/a-1.dist-info/METADATA": b"A"}


def test_a_link_where_a_file_was_removes_it_but_a_folder_entry_does_not() -> None:
    folder = f"{SITE}/x-1.egg-info"
    lower = LayerFiles(files={STATUS_PATH: b"v1", f"{folder}/PKG-INFO": b"Name: x"})
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        link = tarfile.TarInfo(STATUS_PATH)
        link.type, link.linkname = tarfile.SYMTYPE, "/elsewhere"
        archive.addfile(link)
        entry = tarfile.TarInfo(folder)
        entry.type = tarfile.DIRTYPE
        archive.addfile(entry)
    upper = read_layer(io.BytesIO(out.getvalue()), wanted)
    assert merge_layers([lower, upper]) == {f"{folder}/PKG-INFO": b"Name: x"}


@pytest.mark.bad_input
def test_an_archive_without_its_manifest_or_a_layer_is_one_line(
    bad_input: Callable[[str], None],
) -> None:
    base = _layer([(STATUS_PATH, b"v1")])
    no_manifest = _layer([(f"{0:064x}/layer.tar", base)])
    with pytest.raises(LabError, match=r"has no manifest\.json"):
        read_saved_image(io.BytesIO(no_manifest), wanted, "img")
    bad_input("image archive without manifest.json")
    manifest = json.dumps([{"Layers": ["gone/layer.tar"]}]).encode()
    with pytest.raises(LabError, match=r"lacks layer gone/layer\.tar"):
        read_saved_image(io.BytesIO(_layer([("manifest.json", manifest)])), wanted, "img")
    bad_input("image archive missing a layer")
