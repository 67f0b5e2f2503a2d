"""dockerd's config file, edited by insertion: one runtime entry added, every other byte kept.

An administrator's daemon.json is theirs: its other keys, its other runtimes (a `runsc` of their
own included), their order, spacing and comments-by-convention stay byte for byte. So the entry
is spliced into the text at the position a small walk of the top-level object finds, and the
result is parsed back and compared with what it must mean before anything is written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.errors import LabError

_SPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class _Member:
    key: str
    value_start: int
    value_end: int


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _members(text: str, start: int) -> list[_Member]:
    """The members of the (valid) JSON object whose `{` is at `start`."""
    members: list[_Member] = []
    at = _skip(text, start + 1)
    if text[at] == "}":
        return members
    while True:
        key, at = _DECODER.raw_decode(text, at)  # a key is a JSON string
        at = _skip(text, _skip(text, at) + 1)  # past the colon
        _, end = _DECODER.raw_decode(text, at)
        members.append(_Member(key, at, end))
        at = _skip(text, end)
        if text[at] == "}":
            return members
        at = _skip(text, at + 1)  # past the comma


def parse(text: str, path: Path) -> dict[str, Any]:
    """The document ({} for an empty file); a one-line LabError when it is not an object."""
    try:
        document = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise LabError(f"{path} is not valid JSON ({exc}); fix it by hand.") from exc
    if not isinstance(document, dict):
        raise LabError(f"{path} is not a JSON object; fix it by hand.")
    if not isinstance(document.get("runtimes", {}), dict):
        raise LabError(f"{path}: 'runtimes' is not an object; fix it by hand.")
    return document


def with_runtime(text: str, name: str, entry: Mapping[str, Any], path: Path) -> str | None:
    """`text` with runtime `name` set to `entry`, all else kept; None when it is there already."""
    document = parse(text, path)
    runtimes = document.get("runtimes", {})
    if runtimes.get(name) == entry:
        return None
    value = json.dumps(entry)
    if not text.strip():
        spliced = json.dumps({"runtimes": {name: entry}}, indent=2) + "\n"
    else:
        top = _members(text, _skip(text, 0))
        table = next((m for m in reversed(top) if m.key == "runtimes"), None)
        if table is None:
            opening = _skip(text, 0) + 1
            piece = f'\n  "runtimes": {{{json.dumps(name)}: {value}}}' + ("," if top else "\n")
            spliced = text[:opening] + piece + text[opening:]
        else:
            inner = _members(text, table.value_start)
            ours = next((m for m in reversed(inner) if m.key == name), None)
            if ours is not None:  # our own entry, out of date: only its value changes
                spliced = text[: ours.value_start] + value + text[ours.value_end :]
            else:
                opening = table.value_start + 1
                piece = f"\n    {json.dumps(name)}: {value}" + ("," if inner else "\n  ")
                spliced = text[:opening] + piece + text[opening:]
    expected = {**document, "runtimes": {**runtimes, name: dict(entry)}}
    if json.loads(spliced) != expected:
        raise LabError(f"cannot add the {name} runtime to {path} safely; add it by hand.")
    return spliced


def read_text(path: Path) -> str:
    """The file's text ('' when there is none)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise LabError(f"cannot read {path} ({exc}); fix it by hand.") from exc


def write_text(path: Path, text: str) -> None:
    """Replace the file atomically (a temporary file beside it, then rename), keeping its mode."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".daemon-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
