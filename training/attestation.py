"""The provenance as an in-toto attestation, a member of the model beside special_k's signature.

An in-toto Statement v1 whose subjects are the model's members (name and SHA-256) and whose
predicate is SLSA provenance v1, derived from the provenance the seal carries, wrapped in a DSSE
envelope (the in-toto attestation format: one JSON line, `.intoto.jsonl`) whose signature is a
detached OpenPGP signature by the lab's key over DSSE's pre-authentication encoding. The key is
the one special_k signs with and verify already trusts through keyname-to-fingerprint.json, so
there is one key to keep and one trust path to check; no other signing library is needed.

`verify` checks the signature (the same signer as the seal), that the subjects are exactly the
members written before it, and that the predicate is what `slsa_predicate` makes of the seal's
provenance: the two records cannot say different things.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from training.refusal import METADATA, RefusedModel
from training.tarball import Member
from training.tarheader import FILE

ATTESTATION_FILE = "container-lab.intoto.jsonl"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
BUILD_TYPE = "urn:container-lab:training:v1"
BUILDER_ID = "urn:container-lab:builder:training-container"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1's pre-authentication encoding: what the signature covers."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def canonical(document: Any) -> bytes:
    """Compact JSON with sorted keys."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def subjects(members: Sequence[Member]) -> list[dict[str, Any]]:
    """The statement's subjects: every file member, by name and SHA-256."""
    return [{"name": m.name, "digest": {"sha256": m.sha256}} for m in members if m.kind == FILE]


def _hex(image_id: str) -> str:
    return image_id.removeprefix("sha256:")


def _resource(name: str, sha256: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"name": name, "digest": {"sha256": _hex(sha256)}, **extra}] if sha256 else []


def _dependencies(provenance: dict[str, Any]) -> list[dict[str, Any]]:
    image, inputs = provenance["image"], provenance["inputs"]
    base = image.get("base") or {}
    found = [
        *_resource("training image", image.get("id", ""), uri=image.get("ref", "")),
        *_resource(f"base image {base.get('name', '')}".strip(), base.get("id", "")),
        *_resource("Dockerfile", inputs["dockerfile"]["sha256"]),
    ]
    for key in ("python_lock", "debian_lock", "debian_installed"):
        found += _resource(inputs[key]["path"], inputs[key]["sha256"])
    code = inputs["code"]
    found += _resource("training code", code["sha256"], annotations={"files": code["files"]})
    for name, sha256 in inputs["corpus"].items():
        found += _resource(f"training/data/{name}", sha256)
    sbom = inputs["sbom"]
    sbom_notes = {"format": sbom["format"], "components": sbom["components"]}
    found += _resource("SBOM", sbom["sha256"], mediaType=sbom["media_type"], annotations=sbom_notes)
    return found


def slsa_predicate(provenance: dict[str, Any]) -> dict[str, Any]:
    """SLSA provenance v1 made from the seal's provenance (a pure function of it)."""
    training, environment = provenance["training"], provenance["environment"]
    return {
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": {
                "parameters": training["parameters"],
                "seed": training["seed"],
                "split": training["split"],
            },
            "internalParameters": {
                "python_hash_seed": training["python_hash_seed"],
                "threads": training["threads"],
                "pickle_protocol": provenance["digest"]["pickle_protocol"],
            },
            "resolvedDependencies": _dependencies(provenance),
        },
        "runDetails": {
            "builder": {
                "id": BUILDER_ID,
                "version": {"python": training["python"], **training["libraries"]},
            },
            "metadata": {
                "invocationId": provenance["run_id"],
                "startedOn": provenance["started_at"],
                "finishedOn": provenance["finished_at"],
            },
            "byproducts": [
                *_resource(
                    "model digest",
                    provenance["digest"]["sha256"],
                    annotations={"member": provenance["digest"]["member"]},
                ),
                {"name": "metrics", "annotations": provenance["metrics"]},
                {"name": "environment", "annotations": environment},
            ],
        },
    }


def statement(members: Sequence[Member], provenance: dict[str, Any]) -> dict[str, Any]:
    """The in-toto Statement for these members."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects(members),
        "predicateType": PREDICATE_TYPE,
        "predicate": slsa_predicate(provenance),
    }


def envelope(
    members: Sequence[Member],
    provenance: dict[str, Any],
    *,
    keyid: str,
    sign: Callable[[bytes], bytes],
) -> bytes:
    """The signed DSSE envelope, one JSON line: the member's bytes."""
    payload = canonical(statement(members, provenance))
    signature = sign(pae(PAYLOAD_TYPE, payload))
    document = {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": keyid, "sig": base64.b64encode(signature).decode("ascii")}],
    }
    return canonical(document) + b"\n"


def _malformed(why: str) -> RefusedModel:
    return RefusedModel(f"the in-toto attestation is malformed: {why}", METADATA)


def open_envelope(data: bytes) -> tuple[bytes, str, bytes]:
    """(payload, the signature's key id, the signature) of an envelope, or RefusedModel."""
    try:
        document = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise _malformed(f"not JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("payloadType") != PAYLOAD_TYPE:
        raise _malformed(f"its payloadType is not {PAYLOAD_TYPE}")
    signatures = document.get("signatures")
    if not isinstance(signatures, list) or len(signatures) != 1:
        raise _malformed("it must carry exactly one signature")
    entry = signatures[0]
    try:
        payload = base64.b64decode(document["payload"], validate=True)
        signature = base64.b64decode(entry["sig"], validate=True)
        keyid = str(entry["keyid"])
    except (KeyError, TypeError, binascii.Error) as exc:
        raise _malformed(f"payload or signature is not base64 ({exc!r})") from exc
    return payload, keyid, signature


def differing_part(found: Any, expected: dict[str, Any]) -> str:
    """The first top-level part of a statement that differs from the expected one ('' if none)."""
    if not isinstance(found, dict):
        return "the statement"
    for key in ("_type", "subject", "predicateType", "predicate"):
        if found.get(key) != expected[key]:
            return key
    return "" if set(found) == set(expected) else "its keys"
