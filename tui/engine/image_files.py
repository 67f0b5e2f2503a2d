"""Some files of an image, read from its layers without running it (for its SBOM).

The engine's `image save` stream (Docker's and Podman's docker-archive) is read once, in
order: each layer is itself a tar, and only the files the caller wants are kept, per layer.
The manifest, which says the layers' order, may come last, so the layers are merged at the
end, bottom up, as the overlay filesystem would: a later layer's file replaces an earlier
one, a whiteout (`.wh.NAME`) removes NAME and what is below it, and an opaque marker
(`.wh..wh..opq`) empties its folder. Nothing is written to disk.
"""

from __future__ import annotations

import json
import posixpath
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from tui.engine.client import EngineClient
from tui.engine.errors import engine_errors
from tui.errors import LabError

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
FILE_CAP = 64 * 1024 * 1024  # one wanted file (dpkg's status is a few MB)


@dataclass
class LayerFiles:
    """What one layer adds (wanted files only) and removes."""

    files: dict[str, bytes] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    emptied: set[str] = field(default_factory=set)


class _ChunkReader:
    """A read()-able view of an iterator of byte chunks."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _clean(name: str) -> str:
    return posixpath.normpath("/" + name).lstrip("/")


def read_layer(stream: IO[bytes], wanted: Callable[[str], bool]) -> LayerFiles:
    """The wanted files of one layer tar, and its whiteouts."""
    layer = LayerFiles()
    with tarfile.open(fileobj=stream, mode="r|*") as archive:
        for member in archive:
            path = _clean(member.name)
            folder, name = posixpath.split(path)
            if name == OPAQUE:
                layer.emptied.add(folder)
            elif name.startswith(WHITEOUT):
                layer.removed.add(posixpath.join(folder, name[len(WHITEOUT) :]))
            elif member.isfile() and wanted(path) and member.size <= FILE_CAP:
                data = archive.extractfile(member)
                layer.files[path] = data.read() if data is not None else b""
            elif wanted(path) and not member.isdir():
                layer.removed.add(path)  # a link or folder now stands where a file was
    return layer


def _under(path: str, folder: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")


def merge_layers(layers: Iterable[LayerFiles]) -> dict[str, bytes]:
    """The files as the image's filesystem shows them, layers given bottom first."""
    merged: dict[str, bytes] = {}
    for layer in layers:
        for gone in (*layer.emptied, *layer.removed):
            for path in [p for p in merged if _under(p, gone)]:
                del merged[path]
        merged.update(layer.files)
    return merged


def read_saved_image(
    stream: IO[bytes], wanted: Callable[[str], bool], label: str = "the image"
) -> dict[str, bytes]:
    """The wanted files of an image from its `docker save` archive."""
    layers: dict[str, LayerFiles] = {}
    order: list[str] | None = None
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            name = _clean(member.name)
            if not member.isfile():
                continue
            data = archive.extractfile(member)
            if data is None:
                continue
            if name == "manifest.json":
                manifest = json.loads(data.read())
                order = [_clean(layer) for layer in manifest[0]["Layers"]]
            elif name.endswith(".tar"):
                layers[name] = read_layer(data, wanted)  # type: ignore[arg-type]
    if order is None:
        raise LabError(f"{label}: the engine's archive has no manifest.json")
    missing = [name for name in order if name not in layers]
    if missing:
        raise LabError(f"{label}: the engine's archive lacks layer {missing[0]}")
    return merge_layers(layers[name] for name in order)


def image_files(client: EngineClient, ref: str, wanted: Callable[[str], bool]) -> dict[str, bytes]:
    """The files of image `ref` that `wanted` picks (paths without the leading /)."""
    try:
        with engine_errors():
            chunks = client.api.get_image(ref)
            return read_saved_image(_ChunkReader(chunks), wanted, ref)  # type: ignore[arg-type]
    except (tarfile.TarError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise LabError(f"{ref}: the engine's image archive cannot be read: {exc}") from exc
