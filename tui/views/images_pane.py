"""The images pane: every image (dangling ones marked) and the layer history of the selected one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label

from tui.engine.feed import EngineFeed
from tui.engine.images import ImageInfo, Layer
from tui.errors import LabError
from tui.lab.sbom import ImageSbom, default_path, image_sbom
from tui.paths import lab_paths
from tui.views.formats import human_size, plain
from tui.views.messages import InspectRequested
from tui.views.presentation import image_cells, image_rank, layer_cells
from tui.views.read_only import allowed, hidden
from tui.views.sbom_screen import SbomScreen
from tui.views.widgets.confirm import ConfirmScreen
from tui.views.widgets.keyed_table import KeyedTable


class ImagesPane(Vertical):
    """The image list; the highlighted image's layers below it."""

    BINDINGS = [  # noqa: RUF012
        Binding("D,delete", "remove", "Remove image", id="remove"),
        Binding("o", "sort_next", "Sort", id="sort"),
        Binding("i", "inspect", "Inspect", id="inspect"),
        Binding("b", "sbom", "SBOM", id="sbom"),
    ]

    @dataclass(eq=False)
    class SbomReady(Message):
        """An image's SBOM was read (or why not: `error`)."""

        image_id: str
        sbom: ImageSbom | None
        error: str = ""

    SORTS = ("name", "size", "created", "containers")

    def __init__(
        self,
        clock: Callable[[], datetime],
        feed: Callable[[], EngineFeed | None] = lambda: None,
        **kwargs: Any,
    ) -> None:
        """`feed` is the engine's feed (once started): it loads histories and removes images."""
        super().__init__(**kwargs)
        self.clock = clock
        self.feed = feed
        self.images: dict[str, ImageInfo] = {}
        self.history_of = ""
        self.sort_by = "name"
        self.shown = False  # on screen (on_show): only then are layers read

    def compose(self) -> ComposeResult:
        """The image table (the layers below it are built when the pane is first shown)."""
        table = KeyedTable(unique_column="id", id="images-table")
        for key, label in [
            ("name", "Repository:Tag"),
            ("id", "Image ID"),
            ("size", "Size"),
            ("created", "Created"),
            ("containers", "Containers"),
        ]:
            table.add_column(label, key=key)
        yield table

    async def on_show(self) -> None:
        """Shown (its tab chosen): the layer table, and the highlighted image's layers.

        Until then neither is made: the tab starts hidden, and its layers would cost a request
        and a table at start-up for a pane nobody looks at yet (bench/startup.py)."""
        self.shown = True
        if not self.query("#history-table"):
            layers = KeyedTable(unique_column="step", id="history-table")
            for key, label in [("step", "#"), ("size", "Size"), ("instruction", "Instruction")]:
                layers.add_column(label, key=key)
            title = Label("Layers (base first): select an image", id="history-title")
            await self.mount(title, layers)  # mounted before any layers are put in it
        self._want_history()

    def on_hide(self) -> None:
        """Hidden (another tab): no layers are read until it shows again."""
        self.shown = False

    @property
    def table(self) -> KeyedTable:
        """The image table."""
        return self.query_one("#images-table", KeyedTable)

    @property
    def selected_id(self) -> str | None:
        """The id of the image under the cursor."""
        return self.table.cursor_key

    def rank(self, image_id: str) -> Any:
        """The sort key of an image."""
        return image_rank(self.images[image_id], self.sort_by)

    def set_images(self, images: list[ImageInfo]) -> None:
        """Show this image list (in place)."""
        self.images = {image.id: image for image in images}
        now = self.clock()
        rows = {image.id: image_cells(image, now) for image in images}
        with self.app.batch_update():
            self.table.sync(rows, self.rank)
        self._want_history()

    def set_history(self, image_id: str, layers: list[Layer]) -> None:
        """Show the layers of `image_id` (if it is still the selected one)."""
        if image_id != self.selected_id:
            return
        image = self.images.get(image_id)
        total = human_size(sum(layer.size for layer in layers))
        title = f"Layers of {image.name if image else image_id[:19]} (base first, {total} in all)"
        self.query_one("#history-title", Label).update(plain(title))
        rows = {str(step): layer_cells(step, layer) for step, layer in enumerate(layers, 1)}
        self.query_one("#history-table", KeyedTable).sync(rows, rank=int)

    def _want_history(self) -> None:
        image_id, feed = self.selected_id, self.feed()
        if self.shown and image_id and image_id != self.history_of and feed is not None:
            self.history_of = image_id
            feed.load_history(image_id)  # HistoryLoaded comes back to set_history

    @on(DataTable.RowHighlighted, "#images-table")
    def _highlighted(self) -> None:
        self._want_history()

    def action_sort_next(self) -> None:
        """Sort by name, size, age or container count in turn."""
        self.sort_by = self.SORTS[(self.SORTS.index(self.sort_by) + 1) % len(self.SORTS)]
        self.notify(f"images sorted by {self.sort_by}")
        self.table.order(self.rank)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the image removal key in read-only mode."""
        return not hidden(self, action, parameters)

    def action_inspect(self) -> None:
        """Open the raw inspect view of the selected image."""
        image = self.images.get(self.selected_id or "")
        if image is not None:
            self.post_message(InspectRequested("image", image.id, image.name))

    def action_sbom(self) -> None:
        """Read the selected image's packages (a worker) and show its SBOM."""
        image, feed = self.images.get(self.selected_id or ""), self.feed()
        if image is None or feed is None:
            return
        self.notify(f"reading the layers of {image.name} for its SBOM…")
        self.load_sbom(feed, image.id, image.name)

    @work(thread=True, exclusive=True, group="sbom", exit_on_error=False)
    def load_sbom(self, feed: EngineFeed, image_id: str, name: str) -> None:
        """Read the image's dpkg status and Python metadata from its layers."""
        reader = feed.backend.image_files
        try:
            sbom = image_sbom(name, lambda wanted: reader(image_id, wanted))
        except (LabError, OSError) as exc:
            self.post_message(self.SbomReady(image_id, None, str(exc)))
            return
        self.post_message(self.SbomReady(image_id, sbom))

    def on_images_pane_sbom_ready(self, message: SbomReady) -> None:
        """Show the SBOM, or why it could not be read."""
        if message.sbom is None:
            self.notify(f"no SBOM: {message.error}", severity="error")
            return
        target = default_path(lab_paths(), message.sbom, message.image_id)
        self.app.push_screen(SbomScreen(message.sbom, target))

    def action_remove(self) -> None:
        """Remove the selected image, after a question."""
        image, feed = self.images.get(self.selected_id or ""), self.feed()
        if image is None or feed is None or not allowed(self, "image removal"):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                feed.remove_image(image.id, image.name)

        self.app.push_screen(
            ConfirmScreen(f"Remove image {image.name} ({image.short_id})?"), answered
        )
