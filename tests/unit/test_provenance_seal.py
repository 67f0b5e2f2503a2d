"""The provenance in the seal and the in-toto attestation beside it, without gpg.

A tarball is sealed the way train.py does it (seal_writer, with provenance and an attestation
whose "signature" is a stand-in: the crypto is the integration tests' part), read back with the
strict reader, and checked by verify's provenance checks; then each part is edited in turn.
The signature check is injected here, so what is tested is which statement is accepted.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from training.attestation import (
    ATTESTATION_FILE,
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    envelope,
    open_envelope,
    pae,
    slsa_predicate,
)
from training.payload import PAYLOAD_FILE
from training.provenance import PROVENANCE_FORMAT
from training.refusal import MANIFEST, METADATA, SIGNATURE, RefusedModel
from training.seal import SEAL_FILE, Seal, check_members, parse_seal
from training.seal_writer import seal_tarball
from training.signing import Signer
from training.tarball import TarballLayout, scan
from training.verify_provenance import NO_PROVENANCE, check_provenance

TRAINED = datetime(2026, 12, 6, 17, 15, 4, tzinfo=UTC)
PAYLOAD = b"the fitted pipeline" * 50
FILES = {"meta.version": b"3", PAYLOAD_FILE: PAYLOAD, "meta.json.asc": b"{}"}
SIGNER = Signer("A" * 40, "Lab key <lab@container-lab.invalid>")
OTHER = Signer("B" * 40, "Someone else")
KEEP = frozenset({SEAL_FILE, ATTESTATION_FILE})


def provenance(digest: str) -> dict[str, Any]:
    """A provenance as train.py records it (values shortened)."""
    return {
        "format": PROVENANCE_FORMAT,
        "digest": {"sha256": digest, "member": PAYLOAD_FILE, "pickle_protocol": 5},
        "run_id": "r1",
        "image": {"id": "sha256:" + "1" * 64, "ref": "t", "base": {"name": "b", "id": "sha256:2"}},
        "inputs": {
            "dockerfile": {"sha256": "3" * 64},
            "corpus": {"tennis.txt": "4" * 64},
            "code": {"sha256": "5" * 64, "files": 20},
            "python_lock": {"path": "training/requirements.lock", "sha256": "6" * 64},
            "debian_lock": {"path": "training/debian-packages.lock", "sha256": "7" * 64},
            "debian_installed": {"path": "/usr/share/x.lock", "sha256": "8" * 64},
            "sbom": {
                "format": "CycloneDX 1.5",
                "media_type": "m",
                "sha256": "9" * 64,
                "components": {"debian": 2},
            },
        },
        "training": {
            "parameters": {"C": 30.0},
            "seed": 0,
            "split": "s",
            "python_hash_seed": "0",
            "threads": {"env": {}, "pools": []},
            "python": "3.11.2",
            "libraries": {"numpy": "2.4.6"},
        },
        "environment": {"engine": {"name": "docker"}, "runtime": "runc", "kernel": {}},
        "started_at": TRAINED.isoformat(),
        "finished_at": TRAINED.isoformat(),
        "metrics": {"accuracy": 0.9},
    }


def _unsealed(path: Path) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        folder = tarfile.TarInfo("model_abc")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in FILES.items():
            info = tarfile.TarInfo(f"model_abc/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _stand_in_signature(data: bytes) -> bytes:
    return b"signed:" + data[-32:]


def _check_as(signer: Signer) -> Callable[[bytes, bytes], Signer]:
    """A signature check that accepts the stand-in signature of exactly `data`."""

    def check(signature: bytes, data: bytes) -> Signer:
        if signature != _stand_in_signature(data):
            raise RefusedModel(f"{ATTESTATION_FILE}: signature refused", SIGNATURE)
        return signer

    return check


def seal_with(
    tmp_path: Path, recorded: dict[str, Any] | None, *, attest: bool = True
) -> tuple[TarballLayout, Seal]:
    target = tmp_path / "sports-classifier-20261206T171504Z.tar.gz"
    target.unlink(missing_ok=True)
    signed: list[bytes] = []

    def sign(message: bytes) -> bytes:
        signed.append(message)
        return message

    seal_tarball(
        _unsealed(tmp_path / "unsealed.tar.gz"),
        target,
        model="m",
        trained_at=TRAINED,
        key="k",
        sign=sign,
        provenance=recorded,
        attest=(
            (
                lambda members: envelope(
                    members, recorded, keyid=SIGNER.fingerprint, sign=_stand_in_signature
                )
            )
            if attest and recorded is not None
            else None
        ),
    )
    layout = scan(target, keep=KEEP)
    seal = parse_seal(signed[0])
    check_members(seal, layout, target.name)
    return layout, seal


@pytest.fixture()
def digest() -> str:
    import hashlib

    return hashlib.sha256(PAYLOAD).hexdigest()


def test_the_seal_carries_the_provenance_and_the_attestation_says_the_same(
    tmp_path: Path, digest: str
) -> None:
    layout, seal = seal_with(tmp_path, provenance(digest))
    assert seal.provenance == provenance(digest)
    names = [m.name.split("/")[-1] for m in layout.members]
    assert names[-2:] == [ATTESTATION_FILE, SEAL_FILE], "the attestation, then the seal"
    report = check_provenance("L", seal, layout, SIGNER, _check_as(SIGNER))
    assert report["digest"] == digest
    assert report["provenance"] == provenance(digest)
    assert "its 3 subjects match the members" in report["attestation"]
    payload, keyid, _ = open_envelope(layout.kept[ATTESTATION_FILE])
    statement = json.loads(payload)
    assert statement["_type"] == STATEMENT_TYPE and statement["predicateType"] == PREDICATE_TYPE
    assert keyid == SIGNER.fingerprint
    subjects = {s["name"].split("/")[-1]: s["digest"]["sha256"] for s in statement["subject"]}
    assert subjects[PAYLOAD_FILE] == digest
    assert set(subjects) == set(FILES), "every file written before it, nothing else"
    build = statement["predicate"]["buildDefinition"]
    resolved = {d["name"]: d["digest"]["sha256"] for d in build["resolvedDependencies"]}
    assert resolved["training/data/tennis.txt"] == "4" * 64
    assert resolved["training image"] == "1" * 64, "image ids are given without sha256:"
    assert build["externalParameters"]["parameters"] == {"C": 30.0}


def test_a_seal_without_provenance_is_an_older_models_and_says_so(tmp_path: Path) -> None:
    layout, seal = seal_with(tmp_path, None)
    assert seal.provenance is None
    report = check_provenance("L", seal, layout, SIGNER, _check_as(SIGNER))
    assert report == {"provenance": None, "digest": None, "provenance_note": NO_PROVENANCE}
    no_seal = check_provenance("L", None, layout, SIGNER, _check_as(SIGNER))
    assert no_seal["provenance_note"] == NO_PROVENANCE


def _with_attestation(layout: TarballLayout, data: bytes) -> TarballLayout:
    return TarballLayout(layout.folder, layout.members, {**layout.kept, ATTESTATION_FILE: data})


def _reenveloped(layout: TarballLayout, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """The attestation with its statement edited and signed again (by the stand-in)."""
    payload, keyid, _ = open_envelope(layout.kept[ATTESTATION_FILE])
    statement = json.loads(payload)
    edit(statement)
    body = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    sig = _stand_in_signature(pae(PAYLOAD_TYPE, body))
    document = {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(body).decode(),
        "signatures": [{"keyid": keyid, "sig": base64.b64encode(sig).decode()}],
    }
    return json.dumps(document).encode()


def _drop_subject(statement: dict[str, Any]) -> None:
    statement["subject"].pop()


def _other_runtime(statement: dict[str, Any]) -> None:
    statement["predicate"]["runDetails"]["byproducts"][2]["annotations"]["runtime"] = "runsc"


def _edit_payload_unsigned(layout: TarballLayout) -> bytes:
    document = json.loads(layout.kept[ATTESTATION_FILE])
    statement = json.loads(base64.b64decode(document["payload"]))
    statement["predicate"]["runDetails"]["metadata"]["invocationId"] = "forged"
    document["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    return json.dumps(document).encode()


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("name", "damage", "check", "words"),
    [
        (
            "a subject left out",
            lambda lay: _reenveloped(lay, _drop_subject),
            MANIFEST,
            "statement's subject differs",
        ),
        (
            "the predicate says another runtime",
            lambda lay: _reenveloped(lay, _other_runtime),
            MANIFEST,
            "statement's predicate differs",
        ),
        (
            "the statement edited after signing",
            _edit_payload_unsigned,
            SIGNATURE,
            "signature refused",
        ),
        ("not JSON", lambda lay: b"{", METADATA, "attestation is malformed"),
        (
            "two signatures",
            lambda lay: json.dumps(
                {"payloadType": PAYLOAD_TYPE, "payload": "", "signatures": [{}, {}]}
            ).encode(),
            METADATA,
            "exactly one signature",
        ),
    ],
)
def test_an_attestation_unlike_the_members_or_the_provenance_is_refused(
    tmp_path: Path,
    digest: str,
    bad_input: Callable[[str], None],
    name: str,
    damage: Callable[[TarballLayout], bytes],
    check: str,
    words: str,
) -> None:
    layout, seal = seal_with(tmp_path, provenance(digest))
    damaged = _with_attestation(layout, damage(layout))
    with pytest.raises(RefusedModel) as refused:
        check_provenance("L", seal, damaged, SIGNER, _check_as(SIGNER))
    assert refused.value.check == check, refused.value
    assert words in str(refused.value) and "\n" not in str(refused.value)
    bad_input(f"in-toto attestation: {name}")


@pytest.mark.bad_input
def test_provenance_whose_digest_is_not_the_payloads_or_signed_by_another_is_refused(
    tmp_path: Path, digest: str, bad_input: Callable[[str], None]
) -> None:
    wrong = provenance("0" * 64)
    layout, seal = seal_with(tmp_path, wrong)
    with pytest.raises(RefusedModel, match=r"is not the SHA-256 of pipeline\.pickle"):
        check_provenance("L", seal, layout, SIGNER, _check_as(SIGNER))
    bad_input("provenance digest not the payload's")

    layout, seal = seal_with(tmp_path, provenance(digest))
    with pytest.raises(RefusedModel, match="the model by key") as refused:
        check_provenance("L", seal, layout, SIGNER, _check_as(OTHER))
    assert refused.value.check == SIGNATURE
    bad_input("attestation signed by another key")

    layout, seal = seal_with(tmp_path, provenance(digest), attest=False)
    with pytest.raises(RefusedModel, match=f"lacks {ATTESTATION_FILE}"):
        check_provenance("L", seal, layout, SIGNER, _check_as(SIGNER))
    bad_input("provenance without its attestation")

    odd = copy.deepcopy(provenance(digest))
    odd["format"] = "someone-else/9"
    layout, seal = seal_with(tmp_path, odd)
    with pytest.raises(RefusedModel, match="provenance is not container-lab-provenance/1"):
        check_provenance("L", seal, layout, SIGNER, _check_as(SIGNER))
    bad_input("provenance of an unknown format")


@pytest.mark.bad_input
def test_provenance_that_is_not_an_object_is_refused(
    tmp_path: Path, digest: str, bad_input: Callable[[str], None]
) -> None:
    _, seal = seal_with(tmp_path, provenance(digest))
    message = json.dumps({**_seal_json(seal), "provenance": ["not", "an", "object"]})
    with pytest.raises(RefusedModel, match="provenance is not an object"):
        parse_seal(message.encode())
    bad_input("provenance not an object")


def _seal_json(seal: Seal) -> dict[str, Any]:
    return {
        "format": "container-lab-seal/1",
        "model": seal.model,
        "trained_at": seal.trained_at.isoformat(),
        "signing_key": seal.signing_key,
        "members": list(seal.members),
        "seal": seal.seal,
    }


def test_the_predicate_is_a_function_of_the_provenance_alone(digest: str) -> None:
    first = slsa_predicate(provenance(digest))
    assert first == slsa_predicate(copy.deepcopy(provenance(digest)))
    changed = provenance(digest)
    changed["inputs"]["corpus"]["tennis.txt"] = "f" * 64
    assert slsa_predicate(changed) != first
