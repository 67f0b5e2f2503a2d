"""The product uses only public names of its libraries (docker-py, Textual, requests...).

Private attributes change without notice between releases. An AST scan of tui/, tests/ and
bench/ finds every `x._name` whose `x` is not `self` or `cls`, and every getattr/setattr/hasattr
of a "_name" (tests read notices through `record_notices`, not the app's `_notifications`).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# (file, name): the only underscore name still used, with the reason. Textual's and docker-py's
# are all gone: guards.py asks `is_running` and the screen stack instead of `_pruning`;
# tui/serve/__init__.py builds its own aiohttp app instead of overriding textual-serve's
# `_make_app`. Not listed because the scan reads them through `self`: tui/serve/session.py's
# AppService subclass replaces `_open_app_process` and sets the `_process` and `_stdin`
# textual-serve reads (pyproject pins textual-serve below 1.2 for that); and KeyedTable
# (tui/views/widgets/keyed_table.py) draws DataTable's cells its own faster way through
# DataTable's render caches (pyproject pins textual below 8.3 for that, and
# tests/tui/test_keyed_table_cells.py compares every kind of cell with DataTable's drawing).
ALLOWED = {
    # KeyedTable hands what it does not draw its own way back to DataTable's methods.
    ("tui/views/widgets/keyed_table.py", "_render_cell"),
    ("tui/views/widgets/keyed_table.py", "_get_row_style"),
    ("tui/views/widgets/keyed_table.py", "_update_dimensions"),
    ("tui/views/widgets/keyed_table.py", "_render_line_in_row"),
    # os._exit is public and documented (the leading underscore is historical): past its grace,
    # an app that cannot exit in an orderly way is ended without waiting on its threads.
    ("tui/lifetime.py", "_exit"),
}


def private_uses(path: Path) -> list[tuple[int, str]]:
    """(line, name) of each private attribute `path` reads of an object not its own."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            owner = node.value
            if node.attr.startswith("__") or (
                isinstance(owner, ast.Name) and owner.id in {"self", "cls"}
            ):
                continue
            found.append((node.lineno, node.attr))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "setattr", "hasattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
        ):
            found.append((node.lineno, str(node.args[1].value)))
    return found


def test_the_scan_finds_a_private_attribute(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("api._get(url)\ngetattr(node, '_pruning')\nself._ok = 1\n")
    assert sorted(private_uses(sample)) == [(1, "_get"), (2, "_pruning")]


def test_no_private_attribute_of_a_library_is_used() -> None:
    uses = {
        (str(path.relative_to(ROOT)), line, name)
        for folder in ("tui", "tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, name in private_uses(path)
    }
    unexpected = sorted(u for u in uses if (u[0], u[2]) not in ALLOWED)
    assert not unexpected, f"private names used: {unexpected}"
