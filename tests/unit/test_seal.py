"""training.seal and training.seal_writer: the manifest lists every member exactly.

A tarball is sealed the way train.py does it (seal_writer, here with a signature that is the
message itself: gpg is the integration tests' part), read back with the strict reader, and
checked against its manifest; then edited one field at a time.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from training.refusal import MANIFEST, METADATA, RefusedModel
from training.seal import (
    SEAL_FILE,
    Seal,
    check_members,
    claimed_message,
    entry_of,
    parse_seal,
    seal_document,
)
from training.seal_writer import seal_tarball
from training.tarball import Member, TarballLayout, scan

TRAINED = datetime(2026, 12, 6, 17, 15, 4, 250000, tzinfo=UTC)
EPOCH = int(TRAINED.timestamp())
FILES = {"meta.version": b"3", "THEMODEL.pickle": b"pickled" * 100, "meta.json.asc": b"{}"}


def _unsealed(path: Path) -> Path:
    """A tarball laid out as special_k writes one (tarfile defaults: mode 644, mtime 0)."""
    with tarfile.open(path, "w:gz") as archive:
        folder = tarfile.TarInfo("model_abc")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in FILES.items():
            info = tarfile.TarInfo(f"model_abc/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture()
def sealed(tmp_path: Path) -> tuple[Path, TarballLayout, Seal]:
    target = tmp_path / "sports-classifier-20261206T171504Z.tar.gz"
    signed: list[bytes] = []

    def sign(message: bytes) -> bytes:
        signed.append(message)
        return message

    source = _unsealed(tmp_path / "unsealed.tar.gz")
    seal_tarball(source, target, model="m", trained_at=TRAINED, key="k.pub.asc", sign=sign)
    layout = scan(target, keep=frozenset({SEAL_FILE}))
    assert layout.kept[SEAL_FILE] == signed[0], "the seal member is exactly what was signed"
    return target, layout, parse_seal(signed[0])


def test_a_sealed_tarball_lists_every_member_as_written(
    sealed: tuple[Path, TarballLayout, Seal],
) -> None:
    path, layout, seal = sealed
    check_members(seal, layout, path.name)
    assert (seal.model, seal.trained_at, seal.signing_key) == ("m", TRAINED, "k.pub.asc")
    assert [e["name"] for e in seal.members] == ["model_abc/"] + [f"model_abc/{n}" for n in FILES]
    pickle = seal.members[2]
    assert pickle == {
        "name": "model_abc/THEMODEL.pickle",
        "type": "file",
        "mode": "0644",
        "mtime": EPOCH,
        "size": len(FILES["THEMODEL.pickle"]),
        "sha256": hashlib.sha256(FILES["THEMODEL.pickle"]).hexdigest(),
    }
    assert seal.members[0] == {
        "name": "model_abc/",
        "type": "folder",
        "mode": "0755",
        "mtime": EPOCH,
    }
    assert seal.seal == {"name": f"model_abc/{SEAL_FILE}", "mode": "0644", "mtime": EPOCH}


def test_the_sealed_tarball_is_canonical(sealed: tuple[Path, TarballLayout, Seal]) -> None:
    path, layout, _ = sealed
    data = path.read_bytes()
    assert data[3] == 0, "no file name in the gzip header"
    assert int.from_bytes(data[4:8], "little") == EPOCH
    assert {m.mode for m in layout.members} == {0o644, 0o755}
    assert {m.mtime for m in layout.members} == {EPOCH}
    with tarfile.open(path) as archive:
        assert {(m.uid, m.gid, m.uname, m.gname) for m in archive} == {(0, 0, "", "")}
        assert archive.getnames()[-1] == f"model_abc/{SEAL_FILE}"
        assert not any(m.pax_headers for m in archive)


def _edited(layout: TarballLayout, index: int, **changes: Any) -> TarballLayout:
    members = list(layout.members)
    members[index] = dataclasses.replace(members[index], **changes)
    return dataclasses.replace(layout, members=tuple(members))


DIFFERS = "L: member model_abc/{} differs from the seal's manifest in {} (tampered)"
EDITS: dict[str, tuple[Callable[[TarballLayout], TarballLayout], str]] = {
    "pickle changed": (
        lambda lay: _edited(lay, 2, sha256="0" * 64),
        DIFFERS.format("THEMODEL.pickle", "sha256"),
    ),
    "pickle longer": (
        lambda lay: _edited(lay, 2, size=1),
        DIFFERS.format("THEMODEL.pickle", "size"),
    ),
    "mode 0600": (lambda lay: _edited(lay, 1, mode=0o600), DIFFERS.format("meta.version", "mode")),
    "mtime moved": (lambda lay: _edited(lay, 3, mtime=0), DIFFERS.format("meta.json.asc", "mtime")),
    "size and mtime": (
        lambda lay: _edited(lay, 3, mtime=0, size=5),
        DIFFERS.format("meta.json.asc", "mtime, size"),
    ),
    "folder mode": (lambda lay: _edited(lay, 0, mode=0o777), DIFFERS.format("", "mode")),
    "pax header on a member": (
        lambda lay: _edited(lay, 1, extended=(("mtime", "1"),)),
        "L: member model_abc/meta.version has an extended header the seal's manifest does not "
        "cover",
    ),
    "pax header on the seal": (
        lambda lay: _edited(lay, 4, extended=(("mtime", "1"),)),
        "L: the seal member's header differs from what it signs (an extended header)",
    ),
    "seal mode": (
        lambda lay: _edited(lay, 4, mode=0o666),
        "L: the seal member's header differs from what it signs (mode)",
    ),
    "seal mtime": (
        lambda lay: _edited(lay, 4, mtime=1),
        "L: the seal member's header differs from what it signs (mtime)",
    ),
    "extra member": (
        lambda lay: dataclasses.replace(
            lay,
            members=(
                *lay.members[:3],
                Member("model_abc/evil.py", "file", 0o644, 1, EPOCH, "0" * 64),
                Member("model_abc/x.so", "file", 0o644, 1, EPOCH, "0" * 64),
                *lay.members[3:],
            ),
        ),
        "L holds members the seal's manifest does not cover: model_abc/evil.py, model_abc/x.so",
    ),
    "members dropped": (
        lambda lay: dataclasses.replace(lay, members=lay.members[:1] + lay.members[3:]),
        "L lacks members the seal's manifest lists: model_abc/meta.version, "
        "model_abc/THEMODEL.pickle",
    ),
    "members swapped": (
        lambda lay: dataclasses.replace(
            lay, members=(lay.members[0], lay.members[2], lay.members[1], *lay.members[3:])
        ),
        "L: members are not in the order of the seal's manifest",
    ),
    "seal not last": (
        lambda lay: dataclasses.replace(
            lay, members=(*lay.members[:2], lay.members[4], *lay.members[2:4])
        ),
        "L: the seal container-lab.json.asc is not the last member",
    ),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_any_member_unlike_its_manifest_entry_is_refused(
    sealed: tuple[Path, TarballLayout, Seal], case: str, bad_input: Callable[[str], None]
) -> None:
    _, layout, seal = sealed
    edit, expected = EDITS[case]
    with pytest.raises(RefusedModel) as caught:
        check_members(seal, edit(layout), "L")
    assert str(caught.value) == expected
    assert caught.value.check == MANIFEST
    bad_input(f"sealed model: {case}")


def _document(**changes: Any) -> dict[str, Any]:
    members = [
        Member("m/", "folder", 0o755, 0, 5, ""),
        Member("m/a", "file", 0o644, 1, 5, "a" * 64),
    ]
    document = json.loads(seal_document(members, "m/s", model="x", trained_at=TRAINED, key="k"))
    for key, value in changes.items():
        if value is None:
            del document[key]
        else:
            document[key] = value
    return document


def test_the_document_round_trips_and_unknown_keys_are_left_to_later_formats() -> None:
    seal = parse_seal(json.dumps(_document(provenance={"builder": "later"})).encode())
    assert seal.members[1] == {
        "name": "m/a",
        "type": "file",
        "mode": "0644",
        "mtime": 5,
        "size": 1,
        "sha256": "a" * 64,
    }
    assert seal.trained_at == TRAINED and seal.seal["name"] == "m/s"
    later = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert (
        parse_seal(json.dumps(_document(trained_at=later.isoformat())).encode()).trained_at == later
    )


def _file(**changes: Any) -> dict[str, Any]:
    entry = {
        "name": "m/a",
        "type": "file",
        "mode": "0644",
        "mtime": 5,
        "size": 1,
        "sha256": "a" * 64,
    }
    entry.update(changes)
    return entry


MALFORMED: dict[str, tuple[bytes, str]] = {
    "not JSON": (
        b"{",
        "not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
    ),
    "not UTF-8": (
        b"\xff",
        "not JSON ('utf-8' codec can't decode byte 0xff in position 0: invalid start byte)",
    ),
    "a list": (b"[]", "its format is not container-lab-seal/1"),
    "other format": (
        json.dumps(_document(format="container-lab-seal/2")).encode(),
        "its format is not container-lab-seal/1",
    ),
    "no model": (
        json.dumps(_document(model=None)).encode(),
        "model, trained_at and signing_key must be text",
    ),
    "key empty": (
        json.dumps(_document(signing_key="")).encode(),
        "model, trained_at and signing_key must be text",
    ),
    "time a number": (
        json.dumps(_document(trained_at=5)).encode(),
        "model, trained_at and signing_key must be text",
    ),
    "time garbage": (
        json.dumps(_document(trained_at="soon")).encode(),
        "trained_at is not a time: soon",
    ),
    "time naive": (
        json.dumps(_document(trained_at="2026-01-01T00:00:00")).encode(),
        "trained_at has no time zone",
    ),
    "members an object": (json.dumps(_document(members={})).encode(), "members is not a list"),
    "entry a string": (
        json.dumps(_document(members=["m/a"])).encode(),
        "an entry is not an object",
    ),
    "entry extra key": (
        json.dumps(_document(members=[_file(uid=0)])).encode(),
        "entry m/a has fields ['mode', 'mtime', 'name', 'sha256', 'size', 'type', 'uid']",
    ),
    "entry without sha256": (
        json.dumps(_document(members=[_file(sha256=None)])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "folder with a size": (
        json.dumps(_document(members=[_file(type="folder")])).encode(),
        "entry m/a has fields ['mode', 'mtime', 'name', 'sha256', 'size', 'type']",
    ),
    "unknown type": (
        json.dumps(_document(members=[_file(type="link")])).encode(),
        "entry m/a has fields ['mode', 'mtime', 'name', 'sha256', 'size', 'type']",
    ),
    "mode without 0": (
        json.dumps(_document(members=[_file(mode="644")])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "mode 0o644": (
        json.dumps(_document(members=[_file(mode="0o644")])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "mode a number": (
        json.dumps(_document(members=[_file(mode=420)])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "mtime true": (
        json.dumps(_document(members=[_file(mtime=True)])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "mtime negative": (
        json.dumps(_document(members=[_file(mtime=-1)])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "size a string": (
        json.dumps(_document(members=[_file(size="1")])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "sha256 upper case": (
        json.dumps(_document(members=[_file(sha256="A" * 64)])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "sha256 short": (
        json.dumps(_document(members=[_file(sha256="a" * 63)])).encode(),
        "entry m/a has a field of the wrong kind",
    ),
    "name a number": (
        json.dumps(_document(members=[_file(name=5)])).encode(),
        "entry 5 has a field of the wrong kind",
    ),
    "no seal entry": (json.dumps(_document(seal=None)).encode(), "an entry is not an object"),
    "seal entry with a type": (
        json.dumps(
            _document(seal={"name": "m/s", "mode": "0644", "mtime": 1, "type": "file"})
        ).encode(),
        "entry m/s has fields ['mode', 'mtime', 'name', 'type']",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_seal_is_refused_in_one_line(
    case: str, bad_input: Callable[[str], None]
) -> None:
    message, expected = MALFORMED[case]
    with pytest.raises(RefusedModel) as caught:
        parse_seal(message)
    assert str(caught.value) == "the seal's manifest is malformed: " + expected
    assert caught.value.check == METADATA
    bad_input(f"seal: {case}")


def test_the_document_is_canonical_json_on_one_line() -> None:
    members = [
        Member("m/", "folder", 0o755, 0, 5, ""),
        Member("m/a", "file", 0o644, 0, 0, "a" * 64),
    ]
    text = seal_document(members, "m/s", model="x", trained_at=TRAINED, key="k")
    assert text == (json.dumps(json.loads(text), sort_keys=True) + "\n").encode()
    assert text.count(b"\n") == 1
    seal = parse_seal(text)  # an empty member written at the epoch is a member too
    assert (seal.members[1]["size"], seal.members[1]["mtime"]) == (0, 0)


def test_entry_of_lists_what_a_reader_sees() -> None:
    assert entry_of(Member("m/", "folder", 0o755, 0, 9, "")) == {
        "name": "m/",
        "type": "folder",
        "mode": "0755",
        "mtime": 9,
    }
    assert entry_of(Member("m/a", "file", 0o600, 2, 9, "b" * 64))["mode"] == "0600"


def test_the_writer_refuses_to_overwrite(tmp_path: Path) -> None:
    source = _unsealed(tmp_path / "u.tar.gz")
    target = tmp_path / "t.tar.gz"
    target.write_bytes(b"kept")
    with pytest.raises(FileExistsError):
        seal_tarball(source, target, model="m", trained_at=TRAINED, key="k", sign=bytes)
    assert target.read_bytes() == b"kept"
    assert gzip.decompress(source.read_bytes())


CLEARSIGNED = (
    b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
    b'{"format": "x"}\n- --dash escaped\nlast line\n'
    b"-----BEGIN PGP SIGNATURE-----\n\niQGz\n=OPEN\n-----END PGP SIGNATURE-----\n"
)


def test_the_claimed_message_is_read_as_gpg_would_show_it() -> None:
    assert claimed_message(CLEARSIGNED) == b'{"format": "x"}\n--dash escaped\nlast line\n'
    two_hashes = CLEARSIGNED.replace(b"Hash: SHA512\n", b"Hash: SHA256\nHash: SHA512\n")
    assert claimed_message(two_hashes) == claimed_message(CLEARSIGNED)


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b'{"format": "x"}\n',
        CLEARSIGNED.replace(b"-----BEGIN PGP SIGNATURE-----\n", b""),
        CLEARSIGNED.replace(b"Hash: SHA512\n", b""),
        CLEARSIGNED.replace(b"Hash: SHA512\n\n", b"Hash: SHA512\n"),
        b"junk" + CLEARSIGNED,
    ],
    ids=["empty", "unsigned JSON", "no signature", "no hash header", "no blank line", "prefix"],
)
def test_what_is_not_clearsigned_claims_nothing(text: bytes) -> None:
    assert claimed_message(text) is None
