"""An inspect document as a list of entries (one per key or item, in document order) and the
label each shows: pretty JSON values, secrets masked until revealed, search matches highlighted.

Pure functions with no widget in them; tui/views/inspect/screen.py puts the entries in a Tree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from tui.engine.inspect import is_secret, masked

Path = tuple[str | int, ...]
MATCH_STYLE = "bold black on yellow"
VALUE_STYLES = {str: "green", bool: "magenta", type(None): "magenta"}


@dataclass(frozen=True)
class Entry:
    """One key of an object or item of an array; `value` is a dict or list for a foldable one."""

    path: Path
    value: Any

    @property
    def foldable(self) -> bool:
        """An object or array with something in it."""
        return isinstance(self.value, dict | list) and bool(self.value)

    @property
    def secret(self) -> bool:
        """A scalar that is masked until revealed."""
        return not isinstance(self.value, dict | list) and is_secret(self.path)

    @property
    def depth(self) -> int:
        """How deep below the document's root."""
        return len(self.path)


def entries(document: Any, path: Path = ()) -> list[Entry]:
    """Every key and item below `document`, depth first, in the document's order."""
    found: list[Entry] = []
    items: list[tuple[str | int, Any]]
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    else:
        return found
    for key, value in items:
        child = (*path, key)
        found.append(Entry(child, value))
        found.extend(entries(value, child))
    return found


def shown_value(entry: Entry, reveal: bool) -> str:
    """The value part of an entry's label, as JSON (a summary for an object or array)."""
    value = entry.value
    if isinstance(value, dict):
        return f"{{{len(value)} keys}}" if value else "{}"
    if isinstance(value, list):
        return f"[{len(value)} items]" if value else "[]"
    return json.dumps(value if reveal else masked(entry.path, value), ensure_ascii=False)


def label(entry: Entry, reveal: bool, term: str = "") -> Text:
    """`"Key": value` (or `0: value` for an array item), with `term` highlighted."""
    key = entry.path[-1]
    text = Text()
    if isinstance(key, int):
        text.append(f"{key}: ", style="dim")
    else:
        text.append(json.dumps(key, ensure_ascii=False), style="bold")
        text.append(": ")
    value_style = VALUE_STYLES.get(type(entry.value), "cyan")
    if isinstance(entry.value, dict | list):
        value_style = "dim"
    elif entry.secret and not reveal:
        value_style = "yellow"
    text.append(shown_value(entry, reveal), style=value_style)
    if term:
        text.highlight_regex(re.compile(re.escape(term), re.IGNORECASE), MATCH_STYLE)
    return text


def matches(entry: Entry, reveal: bool, term: str) -> bool:
    """Whether the entry's label, as shown, contains `term` (any case); a masked secret is
    searched as `***`, so a search never tells a hidden value."""
    return bool(term) and term.lower() in label(entry, reveal).plain.lower()
