"""Search a saved image (every layer, the config, the history) for a private key's traces."""

from __future__ import annotations

import io
import tarfile

import docker

from tui.lab.keys import LabKeys


def canaries_for(keys: LabKeys) -> dict[str, bytes]:
    """What would betray this key: lines of its armour, its fingerprint, its passphrase.

    (The generic armour header is no canary: gpg's own binaries contain that text.)
    """
    armour_lines = [
        line
        for line in keys.secret_key.read_text().splitlines()
        if len(line) >= 60 and not line.startswith("-----")
    ]
    return {
        "armour line": armour_lines[len(armour_lines) // 2].encode(),
        "armour first line": armour_lines[0].encode(),
        "fingerprint": keys.fingerprint.encode(),
        "passphrase": keys.passphrase.read_text().strip().encode(),
    }


def _scan_blob(where: str, blob: bytes, canaries: dict[str, bytes]) -> list[str]:
    return [f"{name} in {where}" for name, needle in canaries.items() if needle in blob]


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """The bytes of a regular-file member."""
    file = archive.extractfile(member)
    assert file is not None, member.name
    return file.read()


def scan_image(client: docker.DockerClient, tag: str, canaries: dict[str, bytes]) -> list[str]:
    """Every place in `docker save TAG` where a canary occurs (empty when clean)."""
    saved = b"".join(client.images.get(tag).save(named=True))
    hits: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        for member in outer.getmembers():
            if not member.isfile():
                continue
            data = _read(outer, member)
            if member.name.endswith("layer.tar"):
                with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                    for entry in layer.getmembers():
                        if entry.isfile():
                            content = _read(layer, entry)
                            where = f"{member.name}:{entry.name}"
                            hits += _scan_blob(where, content, canaries)
                            hits += _scan_blob(where, entry.name.encode(), canaries)
            else:  # the config (env, labels, history) and manifest
                hits += _scan_blob(member.name, data, canaries)
    return hits
