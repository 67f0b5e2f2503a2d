"""The lab's own signed metadata, beside special_k's: a manifest of every member, and when.

special_k signs meta.json.asc (whose schema takes no extra key) and covers each stream with an
HMAC, but nothing signs the tar headers (modes, times) or meta.version's bytes. So a training
run adds `container-lab.json.asc`, clearsigned with the same key, as the archive's last member:
every other member in archive order with its name, type, mode, mtime and, for files, size and
SHA-256; the seal's own name, mode and mtime (its content is what the signature covers); the
training time and the key name, both readable before anything is unpickled. The model's own
metadata (inside the signed pickle) records SEALED_FIELD, so a seal stripped off is noticed.

Later additions go beside "members"; a reader ignores top-level keys it does not know, which
are signed all the same. A change in meaning needs a new SEAL_FORMAT. The first addition is
"provenance" (training.provenance: what made the model, its digest among it), present in models
made since; a seal without it is an older model's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from training.refusal import MANIFEST, METADATA, RefusedModel, shown
from training.tarball import Member, TarballLayout
from training.tarheader import FILE, FOLDER

SEAL_FILE = "container-lab.json.asc"
SEAL_FORMAT = "container-lab-seal/1"
SEALED_FIELD = "member_manifest"  # in the model's own metadata: the seal it was packed with
SEAL_MODE = 0o644
_MODE = re.compile(r"0[0-7]{3}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Seal:
    """What the seal says: the model, its training time, the key name and the manifest."""

    model: str
    trained_at: datetime
    signing_key: str
    members: tuple[dict[str, Any], ...]
    seal: dict[str, Any]
    provenance: dict[str, Any] | None = None


def entry_of(member: Member) -> dict[str, Any]:
    """A member as the manifest lists it."""
    entry: dict[str, Any] = {
        "name": member.name,
        "type": member.kind,
        "mode": f"{member.mode:04o}",
        "mtime": member.mtime,
    }
    if member.kind == FILE:
        entry.update(size=member.size, sha256=member.sha256)
    return entry


def seal_document(
    members: Sequence[Member],
    seal_name: str,
    *,
    model: str,
    trained_at: datetime,
    key: str,
    provenance: dict[str, Any] | None = None,
) -> bytes:
    """The seal's JSON (one line), to be clearsigned: mtimes are the training time."""
    mtime = int(trained_at.timestamp())
    document: dict[str, Any] = {
        "format": SEAL_FORMAT,
        "model": model,
        "trained_at": trained_at.isoformat(),
        "signing_key": key,
        "members": [entry_of(member) for member in members],
        "seal": {"name": seal_name, "mode": f"{SEAL_MODE:04o}", "mtime": mtime},
    }
    if provenance is not None:
        document["provenance"] = provenance
    return (json.dumps(document, sort_keys=True) + "\n").encode("utf-8")


_CLEARSIGNED = re.compile(
    rb"-----BEGIN PGP SIGNED MESSAGE-----\n(?:Hash: [A-Z0-9, ]+\n)+\n(.*?)\n"
    rb"-----BEGIN PGP SIGNATURE-----\n",
    re.DOTALL,
)


def claimed_message(signed: bytes) -> bytes | None:
    """The message a clearsigned text claims, before any signature check (None if not one).

    Only for refusing early: a tarball unlike even the manifest it carries is refused without
    starting gpg; acceptance uses the message gpg returns.
    """
    match = _CLEARSIGNED.match(signed)
    if match is None:
        return None
    lines = match[1].split(b"\n")
    return b"\n".join(line[2:] if line.startswith(b"- ") else line for line in lines) + b"\n"


def _malformed(why: str) -> RefusedModel:
    return RefusedModel(f"the seal's manifest is malformed: {why}", METADATA)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_entry(entry: object, *, seal: bool = False) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise _malformed("an entry is not an object")
    kind = "seal" if seal else entry.get("type")
    keys = {"name", "mode", "mtime"} | ({"type"} if not seal else set())
    keys |= {"size", "sha256"} if kind == FILE else set()
    if set(entry) != keys or kind not in (FILE, FOLDER, "seal"):
        raise _malformed(f"entry {shown(str(entry.get('name')))} has fields {sorted(entry)}")
    good = (
        isinstance(entry["name"], str)
        and isinstance(entry["mode"], str)
        and _MODE.fullmatch(entry["mode"]) is not None
        and _is_count(entry["mtime"])
        and (kind != FILE or (_is_count(entry["size"]) and _is_sha256(entry["sha256"])))
    )
    if not good:
        raise _malformed(f"entry {shown(str(entry['name']))} has a field of the wrong kind")
    return entry


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def parse_seal(message: bytes) -> Seal:
    """The seal from its signed message, or RefusedModel (metadata) saying what is wrong."""
    try:
        document = json.loads(message.decode("utf-8"))
    except ValueError as exc:
        raise _malformed(f"not JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != SEAL_FORMAT:
        raise _malformed(f"its format is not {SEAL_FORMAT}")
    model, when, key = (
        document.get("model"),
        document.get("trained_at"),
        document.get("signing_key"),
    )
    if not (isinstance(model, str) and isinstance(key, str) and key and isinstance(when, str)):
        raise _malformed("model, trained_at and signing_key must be text")
    try:
        trained_at = datetime.fromisoformat(when)
    except ValueError as exc:
        raise _malformed(f"trained_at is not a time: {shown(when)}") from exc
    if trained_at.tzinfo is None:
        raise _malformed("trained_at has no time zone")
    members = document.get("members")
    if not isinstance(members, list):
        raise _malformed("members is not a list")
    entries = tuple(_check_entry(entry) for entry in members)
    provenance = document.get("provenance")
    if provenance is not None and not isinstance(provenance, dict):
        raise _malformed("provenance is not an object")
    seal = _check_entry(document.get("seal"), seal=True)
    return Seal(model, trained_at, key, entries, seal, provenance)


def _differences(actual: dict[str, Any], listed: dict[str, Any]) -> str:
    return ", ".join(key for key in sorted(listed) if actual.get(key) != listed[key])


def check_members(seal: Seal, layout: TarballLayout, label: str) -> None:
    """Every member must be exactly as the manifest lists it, in its order, the seal last."""
    listed = {entry["name"]: entry for entry in seal.members}
    actual = {m.name: m for m in layout.members if m.name.split("/")[-1] != SEAL_FILE}
    extra = [name for name in actual if name not in listed]
    if extra:
        raise RefusedModel(
            f"{label} holds members the seal's manifest does not cover: "
            f"{', '.join(shown(name) for name in extra)}",
            MANIFEST,
        )
    missing = [name for name in listed if name not in actual]
    if missing:
        raise RefusedModel(
            f"{label} lacks members the seal's manifest lists: "
            f"{', '.join(shown(name) for name in missing)}",
            MANIFEST,
        )
    last = layout.members[-1]
    if last.name.split("/")[-1] != SEAL_FILE:
        raise RefusedModel(f"{label}: the seal {SEAL_FILE} is not the last member", MANIFEST)
    sealed_as = {"name": last.name, "mode": f"{last.mode:04o}", "mtime": last.mtime}
    if sealed_as != seal.seal or last.extended:
        raise RefusedModel(
            f"{label}: the seal member's header differs from what it signs "
            f"({_differences(sealed_as, seal.seal) or 'an extended header'})",
            MANIFEST,
        )
    for name, member in actual.items():
        different = _differences(entry_of(member), listed[name])
        if different:
            raise RefusedModel(
                f"{label}: member {shown(name)} differs from the seal's manifest in {different} "
                "(tampered)",
                MANIFEST,
            )
        if member.extended:
            raise RefusedModel(
                f"{label}: member {shown(name)} has an extended header the seal's manifest "
                "does not cover",
                MANIFEST,
            )
    if list(actual) != list(listed):
        raise RefusedModel(
            f"{label}: members are not in the order of the seal's manifest", MANIFEST
        )
