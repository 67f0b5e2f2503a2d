"""Textual's footer, composed again only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class LabFooter(Footer):
    """Textual's Footer composes all its keys again (a widget each, with their CSS) whenever
    the screen's bindings may have changed: three times in the first moments of the dashboard
    and twice a tab switch, 30-45 ms each, mostly for the same keys. This one composes again
    only when what it would show differs from what it shows."""

    _shown: Any = None

    def keys(self) -> Any:
        """What compose would show: each active key as drawn, and the palette's key."""
        if not self._bindings_ready:
            return None
        app = self.app
        return (
            self.show_command_palette and app.ENABLE_COMMAND_PALETTE,
            app.COMMAND_PALETTE_BINDING,
            tuple(
                (key, binding, app.get_key_display(binding), enabled, tooltip)
                for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            ),
        )

    async def recompose(self) -> None:
        """Textual's, unless the keys are those shown already."""
        if not self.is_attached:  # removed before its turn came (a screen popped): no screen
            await super().recompose()  # which does nothing, as Textual's own footer
            return
        keys = self.keys()
        if keys is not None and keys == self._shown:
            return
        self._shown = keys
        await super().recompose()
