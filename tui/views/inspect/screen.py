"""The raw `docker inspect` of a container, image, volume or network: a foldable JSON tree with
search (`/`, `n`/`N`, matches highlighted) and secrets masked until `v` (never in read-only mode).

A Tree, not a text view with fold markers: Textual's Tree already folds, unfolds, scrolls and
moves a cursor by keyboard and mouse, and one node per key makes "the object under the cursor"
and "where is the next match" plain node operations instead of line arithmetic over a text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Tree
from textual.widgets.tree import TreeNode

from tui.views.formats import plain
from tui.views.guards import unless_removed
from tui.views.inspect.document import Entry, entries, label, matches
from tui.views.read_only import allowed, hidden, is_read_only
from tui.views.widgets.boxes import open_box
from tui.views.widgets.footer import LabFooter

Inspect = Callable[[str, str], dict[str, Any]]


@dataclass(eq=False)
class InspectLoaded(Message):
    """The engine answered (or `error` says why not)."""

    document: dict[str, Any] | None
    error: str = ""


class InspectTree(Tree[Entry | None]):
    """The document's keys and items; folds the object under the cursor, or all of them."""

    BINDINGS = [  # noqa: RUF012
        Binding("space,enter", "fold", "Fold/unfold", id="fold"),
        Binding("minus", "fold_all", "Fold all", id="fold_all"),
        Binding("plus,equals_sign", "unfold_all", "Unfold all", id="unfold_all"),
    ]

    def action_fold(self) -> None:
        """Fold or unfold the object under the cursor (a plain value folds its parent)."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand:
            node.toggle()
        elif node.parent is not None and node.parent is not self.root:
            node.parent.collapse()
            self.show_node(node.parent)

    def action_fold_all(self) -> None:
        """Fold everything: only the top-level keys stay visible."""
        top = self.cursor_node
        while top is not None and top.parent is not None and top.parent is not self.root:
            top = top.parent
        for child in self.root.children:
            child.collapse_all()
        if top is not None:
            self.show_node(top)

    def action_unfold_all(self) -> None:
        """Unfold everything."""
        node = self.cursor_node
        self.root.expand_all()
        if node is not None:
            self.show_node(node)

    def show_node(self, node: TreeNode[Entry | None]) -> None:
        """Unfold the node's ancestors and put the cursor on it."""
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        _ = self.last_line  # lays the unfolded lines out, so that node.line is current
        self.move_cursor(node)


class InspectScreen(Screen[None]):
    """The full inspect document of one object."""

    CSS_PATH = "screen.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "close", "Back", id="back"),
        Binding("slash", "search", "Search", id="search"),
        Binding("n", "next_match(1)", "Next match", id="next_match"),
        Binding("N", "next_match(-1)", "Prev match", show=False, id="prev_match"),
        Binding("v", "toggle_reveal", "Show/hide secrets", id="reveal"),
    ]

    def __init__(self, kind: str, ref: str, name: str, inspect: Inspect) -> None:
        super().__init__()
        self.kind, self.ref, self.object_name = kind, ref, name or ref[:19]
        # the app closes a container's views when it is removed (a volume's or image's stays)
        self.container_id = ref if kind == "container" else None
        self._inspect = inspect
        self.document: dict[str, Any] | None = None
        self.nodes: list[TreeNode[Entry | None]] = []  # every key and item, in document order
        self.order: dict[int, int] = {}  # id(node) -> its index in `nodes`
        self.reveal = False
        self.term = ""
        self.found: list[TreeNode[Entry | None]] = []  # the nodes matching `term`

    def compose(self) -> ComposeResult:
        """Header, the search box (hidden until `/`), the tree, a status line, the footer."""
        yield Header()
        yield Input(placeholder="search keys and values (enter: go, escape: clear)", id="search")
        yield InspectTree(plain(f"{self.kind} {self.object_name}"), id="inspect-tree")
        yield Label("loading…", id="inspect-status")
        yield LabFooter()

    @property
    def json_tree(self) -> InspectTree:
        """The tree."""
        return self.query_one(InspectTree)

    def on_mount(self) -> None:
        """Ask the engine in a worker."""
        self.sub_title = f"inspect {self.kind} {self.object_name}"
        self.json_tree.focus()
        self.load()

    @work(thread=True, exclusive=True, group="inspect", exit_on_error=False)
    def load(self) -> None:
        """Worker: the blocking inspect call."""
        try:
            document = self._inspect(self.kind, self.ref)
        except Exception as exc:  # gone, or the engine went away: say so in the view
            self.post_message(InspectLoaded(None, str(exc)))
            return
        self.post_message(InspectLoaded(document))

    @unless_removed
    def on_inspect_loaded(self, message: InspectLoaded) -> None:
        """Fill the tree, everything unfolded."""
        if message.document is None:
            self.query_one("#inspect-status", Label).update(
                plain(Text(message.error, style="bold red"))
            )
            return
        self.document = message.document
        tree = self.json_tree
        parents: dict[tuple[str | int, ...], TreeNode[Entry | None]] = {(): tree.root}
        for entry in entries(message.document):
            parent = parents[entry.path[:-1]]
            text = label(entry, self.reveal)
            if entry.foldable:
                parents[entry.path] = node = parent.add(text, data=entry, expand=True)
            else:
                node = parent.add_leaf(text, data=entry)
            self.order[id(node)] = len(self.nodes)
            self.nodes.append(node)
        tree.root.expand()
        self.update_status()

    # Labels and search -------------------------------------------------------------------

    def relabel(self, nodes: list[TreeNode[Entry | None]]) -> None:
        """Draw these nodes' labels again (mask and highlight as they are now)."""
        for node in nodes:
            if node.data is not None:
                node.set_label(label(node.data, self.reveal, self.term))

    def set_term(self, term: str) -> None:
        """Highlight `term` (empty: no search)."""
        before = self.found
        self.term = term
        self.found = [n for n in self.nodes if n.data and matches(n.data, self.reveal, term)]
        self.relabel(list({id(n): n for n in before + self.found}.values()))
        self.update_status()

    def update_status(self) -> None:
        """The status line: size, secrets, search."""
        secrets = sum(1 for n in self.nodes if n.data is not None and n.data.secret)
        parts = [f"{len(self.nodes)} keys"]
        if secrets:
            how = "shown" if self.reveal else "hidden (v shows them)"
            if not self.reveal and is_read_only(self):
                how = "hidden (read-only)"
            parts.append(f"{secrets} secret values {how}")
        if self.term:
            parts.append(f"{len(self.found)} matches for {self.term!r} (n/N)")
        self.query_one("#inspect-status", Label).update(plain("  ·  ".join(parts)))

    def action_search(self) -> None:
        """Open the search box."""
        box = self.query_one("#search", Input)
        open_box(box)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.set_term(event.value.strip())

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one("#search", Input).remove_class("shown")
        self.json_tree.focus()
        if self.found:
            self.action_next_match(1, from_cursor=True)

    def action_next_match(self, step: int, from_cursor: bool = False) -> None:
        """Move to the next (1) or previous (-1) match, unfolding what hides it."""
        if not self.found:
            if self.term:
                self.notify(f"no match for {self.term!r}", severity="warning")
            return
        at = self.order.get(id(self.json_tree.cursor_node), -1)
        order = [self.order[id(n)] for n in self.found]
        if step > 0:
            after = [i for i in order if i > at or (from_cursor and i == at)]
            target = after[0] if after else order[0]
        else:
            before = [i for i in order if i < at]
            target = before[-1] if before else order[-1]
        self.json_tree.show_node(self.nodes[target])

    def action_close(self) -> None:
        """Leave (escape in the search box clears the search instead)."""
        box = self.query_one("#search", Input)
        if box.has_focus:
            box.value = ""
            box.remove_class("shown")
            self.json_tree.focus()
            return
        self.app.pop_screen()

    # Secrets -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode never reveals: the key is hidden."""
        return not hidden(self, action, parameters)

    def action_toggle_reveal(self) -> None:
        """Show or hide the secret values (refused in read-only mode)."""
        if not self.reveal and not allowed(self, "showing secret values"):
            return
        self.reveal = not self.reveal
        self.relabel([n for n in self.nodes if n.data is not None and n.data.secret])
        self.set_term(self.term)
