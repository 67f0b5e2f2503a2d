"""Preferences from `$XDG_CONFIG_HOME/container-lab/config.toml` (default ~/.config/...).

    theme = "nord"                 # any Textual theme
    stats = "cgroup"               # auto, api or cgroup (--stats still wins)

    [containers]
    sort = "cpu"                   # a column of the containers table
    reverse = true                 # descending
    columns = ["name", "image", "state", "status", "cpu", "mem"]

    [keys]                         # binding id = key(s), as Textual names them
    stop = "s"
    inspect = "i,ctrl+i"

Pure functions, no Textual: the caller hands in what is allowed (`Choices`: theme names, the
table's columns, the binding ids and the keys already taken where each binding lives). A bad
setting never stops the dashboard: it gets one error line, `FILE:LINE: what is wrong; what is
allowed`, and that setting keeps its default; the rest of the file still applies. Invalid TOML
drops the whole file (its line and column come from tomllib).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATS_SOURCES = ("auto", "api", "cgroup")
SETTINGS = ("theme", "stats", "[containers]", "[keys]")
CONTAINER_SETTINGS = ("sort", "reverse", "columns")
ALWAYS_SHOWN = "name"  # the column that identifies a row (the table sorts through it)
DEFAULT_SORT = "state"
# A key remapped to one of these characters is compared under Textual's name for it.
KEY_NAMES = {"/": "slash", "?": "question_mark", "-": "minus", "+": "plus", "=": "equals_sign"}
KEY_PATTERN = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*(?:[A-Za-z0-9_]+|\S)$")
TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class ContainersView:
    """How the containers table starts: sort column and direction, the columns shown."""

    sort: str = DEFAULT_SORT
    reverse: bool = False
    columns: tuple[str, ...] = ()  # empty: every column


@dataclass(frozen=True)
class Preferences:
    """What the file sets (None: the default); `errors` are the lines to show about it."""

    theme: str | None = None
    stats: str | None = None
    containers: ContainersView = field(default_factory=ContainersView)
    keys: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    path: Path | None = None


@dataclass(frozen=True)
class BoundKey:
    """A key binding as the clash check sees it: its id (None: not remappable) and keys."""

    id: str | None
    keys: str
    description: str


@dataclass(frozen=True)
class Choices:
    """What the dashboard allows: theme names, column keys, binding ids and where they live."""

    themes: Collection[str]
    columns: Sequence[str]
    actions: Mapping[str, str]  # binding id -> what it does
    scopes: Mapping[str, Sequence[BoundKey]] = field(default_factory=dict)


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/container-lab/config.toml`, or under ~/.config when that is unset
    or relative (the XDG spec says to ignore a relative one)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "container-lab" / "config.toml"


def load_preferences(path: Path, choices: Choices) -> Preferences:
    """The preferences in `path`; no file means the defaults, with no error."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return Preferences(path=path)
    except OSError as exc:
        return _unusable(path, f"{path}: cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError as exc:
        return _unusable(path, f"{path}: not UTF-8 text (byte {exc.start})")
    return parse_preferences(text, path, choices)


def _unusable(path: Path, why: str) -> Preferences:
    return Preferences(errors=(f"{why}; every setting keeps its default",), path=path)


def parse_preferences(text: str, path: Path, choices: Choices) -> Preferences:
    """Check every setting of a config file's text; bad ones keep their defaults."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = TOML_POSITION.search(message)
        place = f"{path}:{where.group(1)}:{where.group(2)}" if where else str(path)
        reason = TOML_POSITION.sub("", message)
        return _unusable(path, f"{place}: not valid TOML ({reason})")
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        return _unusable(path, f"{path}: arrays or tables nested too deeply to read")
    checker = _Checker(text, path, choices)
    for key in data.keys() - {"theme", "stats", "containers", "keys"}:
        checker.error("", key, f"unknown setting {key}", f"the settings are {', '.join(SETTINGS)}")
    theme = checker.one_of("", "theme", data.get("theme"), sorted(choices.themes), "theme")
    stats = checker.one_of("", "stats", data.get("stats"), STATS_SOURCES, "stats source")
    return Preferences(
        theme=theme,
        stats=stats,
        containers=checker.containers(checker.table(data, "containers")),
        keys=checker.keys(checker.table(data, "keys")),
        errors=tuple(checker.errors),
        path=path,
    )


class _Checker:
    """Collects one error line per bad setting, with the line of its key in the file."""

    def __init__(self, text: str, path: Path, choices: Choices) -> None:
        self.text, self.path, self.choices = text, path, choices
        self.found: list[tuple[int, str]] = []

    @property
    def errors(self) -> list[str]:
        """The error lines, in the file's order."""
        return [message for _, message in sorted(self.found, key=lambda found: found[0])]

    def error(self, section: str, key: str | None, problem: str, allowed: str) -> None:
        line = key_line(self.text, section, key)
        where = f"{self.path}:{line}" if line else str(self.path)
        self.found.append((line or 0, f"{where}: {problem}; {allowed} (the default is used)"))

    def table(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if isinstance(value, dict):
            return value
        self.error("", name, f"{name} must be a table ([{name}])", "see the README's example")
        return {}

    def one_of(
        self, section: str, key: str, value: Any, allowed: Sequence[str], what: str
    ) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value in allowed:
            return value
        self.error(section, key, f"unknown {what} {_show(value)}", f"use one of {_list(allowed)}")
        return None

    def containers(self, table: dict[str, Any]) -> ContainersView:
        known = list(self.choices.columns)
        for key in table.keys() - set(CONTAINER_SETTINGS):
            self.error(
                "containers",
                key,
                f"unknown setting {key} in [containers]",
                f"use {', '.join(CONTAINER_SETTINGS)}",
            )
        columns = self.columns(table.get("columns"), known)
        shown = columns or tuple(known)
        default_sort = DEFAULT_SORT if DEFAULT_SORT in shown else ALWAYS_SHOWN
        sort = self.one_of("containers", "sort", table.get("sort"), known, "sort column")
        if sort is not None and sort not in shown:
            self.error(
                "containers",
                "sort",
                f"sort column {_show(sort)} is not among the columns shown",
                f"use one of {_list(shown)}",
            )
            sort = None
        reverse = table.get("reverse", False)
        if not isinstance(reverse, bool):
            self.error("containers", "reverse", f"reverse = {_show(reverse)}", "use true or false")
            reverse = False
        return ContainersView(sort or default_sort, reverse, columns)

    def columns(self, value: Any, known: list[str]) -> tuple[str, ...]:
        if value is None:
            return ()
        allowed = f"list some of {_list(known)}, {ALWAYS_SHOWN!r} among them"
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            self.error("containers", "columns", "columns must be a list of column names", allowed)
            return ()
        unknown = [c for c in value if c not in known]
        problem = ""
        if unknown:
            problem = f"unknown column {_show(unknown[0])}"
        elif len(set(value)) != len(value):
            problem = "a column is listed twice"
        elif ALWAYS_SHOWN not in value:
            problem = f"columns must include {ALWAYS_SHOWN!r}"
        if problem:
            self.error("containers", "columns", problem, allowed)
            return ()
        return tuple(value)

    def keys(self, table: dict[str, Any]) -> dict[str, str]:
        actions = self.choices.actions
        keymap: dict[str, str] = {}
        for action, keys in table.items():
            if action not in actions:
                self.error(
                    "keys", action, f"unknown action {action} in [keys]", f"use {_list(actions)}"
                )
            elif not isinstance(keys, str) or not all(
                KEY_PATTERN.match(k.strip()) for k in keys.split(",")
            ):
                self.error(
                    "keys",
                    action,
                    f"{action} = {_show(keys)} is not a key",
                    'give one such as "s", "S", "ctrl+s" or "f5" (several: "s,f5")',
                )
            else:
                keymap[action] = ",".join(k.strip() for k in keys.split(","))
        for action, problem in clashes(keymap, self.choices.scopes).items():
            self.error("keys", action, problem, "pick another key, or remap that one too")
            keymap.pop(action, None)
        return keymap


def clashes(keymap: Mapping[str, str], scopes: Mapping[str, Sequence[BoundKey]]) -> dict[str, str]:
    """Remapped actions whose new key another binding in the same place already has."""
    found: dict[str, str] = {}
    for scope, bindings in scopes.items():
        holders: dict[str, list[BoundKey]] = {}
        for binding in bindings:
            keys = keymap.get(binding.id, binding.keys) if binding.id else binding.keys
            for key in {_key_name(k) for k in keys.split(",")}:
                holders.setdefault(key, []).append(binding)
        for key, held in holders.items():
            ids = {b.id or b.description for b in held}
            for binding in held:
                action = binding.id
                if action is None or action not in keymap or len(ids) < 2 or action in found:
                    continue
                other = next(b for b in held if (b.id or b.description) != action)
                found[action] = (
                    f"{action} = {_show(keymap[action])}: {key} is already "
                    f"{_show(other.description)} in {scope}"
                )
    return found


def describe(preferences: Preferences) -> str:
    """What a valid file sets, on one line (what `container-lab config check` prints)."""
    path = preferences.path
    if path is None or not path.exists():
        return f"no preferences file at {path}: every setting has its default"
    view = preferences.containers
    parts = [
        f"theme {preferences.theme or 'default'}",
        f"stats {preferences.stats or 'auto'}",
        f"containers sorted by {view.sort}{' (reversed)' if view.reverse else ''}",
        f"columns {', '.join(view.columns) if view.columns else 'all'}",
        "keys " + (", ".join(f"{a}={k}" for a, k in preferences.keys.items()) or "default"),
    ]
    return f"{path}: ok; " + "; ".join(parts)


def key_line(text: str, section: str, key: str | None) -> int | None:
    """The line (1-based) where `key` is set in `[section]` ("" for the top level), else the
    section's header line, else None."""
    current, header_line = "", None
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$", line)
        if header:
            current = header.group(1).strip("\"'")
            if current == section:
                header_line = number
            continue
        setting = re.match(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""", line)
        if current == section and setting and key in setting.groups():
            return number
    return header_line


def _key_name(key: str) -> str:
    key = key.strip()
    return KEY_NAMES.get(key, key)


def _show(value: Any) -> str:
    """A value as it would be written in TOML (strings in double quotes)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # dates and times
        return str(value)


def _list(names: Collection[str]) -> str:
    return ", ".join(names)
