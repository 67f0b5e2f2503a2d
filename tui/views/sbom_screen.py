"""One image's SBOM: its package count by kind and the largest packages; `s` saves the document.

The images pane reads the image's layers in a worker (tui.lab.sbom) and pushes this screen
with the result. Saving writes `.lab/sbom/<image>-<id>.cdx.json` (CycloneDX JSON), which
changes the host: it is refused in read-only mode and its key hidden there.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.errors import LabError
from tui.lab.sbom import ImageSbom, save_sbom, summary_lines
from tui.views.read_only import allowed, hidden, is_read_only
from tui.views.widgets.footer import LabFooter

TOP = 10


class SbomScreen(Screen[None]):
    """The SBOM summary of one image."""

    DEFAULT_CSS = """
    SbomScreen #sbom-title { height: auto; padding: 0 1; background: $boost; }
    SbomScreen #sbom-summary { padding: 1 2; height: auto; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("s", "save", "Save SBOM", id="save_sbom"),
    ]

    def __init__(self, sbom: ImageSbom, target: Path) -> None:
        """`target`: where `s` saves the CycloneDX document."""
        super().__init__()
        self.sbom = sbom
        self.target = target
        self.saved: Path | None = None

    def compose(self) -> ComposeResult:
        """Title, summary, footer."""
        yield Static(Text(f"SBOM of {self.sbom.image} (CycloneDX)"), id="sbom-title")
        with VerticalScroll():
            lines = summary_lines(self.sbom, TOP)
            saving = f"s saves it to {self.target}"
            hint = "read-only: saving is disabled" if is_read_only(self) else saving
            yield Static(Text("\n".join([*lines, "", hint])), id="sbom-summary")
        yield LabFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the save key in read-only mode."""
        return not hidden(self, action, parameters)

    def action_save(self) -> None:
        """Write the CycloneDX document (once; the same file again is kept)."""
        if not allowed(self, "saving an SBOM"):
            return
        try:
            self.saved = save_sbom(self.sbom, self.target, make_folders=True)
        except LabError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.app.notify(f"SBOM saved: {self.saved}")
