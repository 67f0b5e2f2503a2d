"""Prune with a preview: what each prune would remove and free; then what it freed."""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Label

from tui.engine.prune import PrunePlan, PruneResult
from tui.views.formats import human_size, plain
from tui.views.presentation import prune_cells, prune_summary
from tui.views.read_only import allowed, hidden
from tui.views.widgets.confirm import ConfirmScreen
from tui.views.widgets.footer import LabFooter
from tui.views.widgets.keyed_table import KeyedTable


class PruneScreen(Screen[None]):
    """The five prunes with their counts and reclaimable space; space ticks, p prunes."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("space", "tick", "Tick"),
        Binding("p", "prune", "Prune ticked"),
        Binding("ctrl+r", "reload", "Preview again"),
    ]

    def __init__(
        self,
        plan: Callable[[], list[PrunePlan]],
        prune: Callable[[PrunePlan], PruneResult],
    ) -> None:
        super().__init__()
        self._plan, self._prune = plan, prune
        self.plans: dict[str, PrunePlan] = {}
        self.chosen: set[str] = set()
        self.last_result = ""

    def compose(self) -> ComposeResult:
        """A title, the preview table, the outcome line."""
        with Vertical(id="prune"):
            yield Label("Prune: reading `docker system df`…", id="prune-title")
            table = KeyedTable(unique_column="kind", id="prune-table")
            for key, label in [
                ("tick", ""),
                ("kind", "Prune"),
                ("count", "Objects"),
                ("frees", "Would free"),
                ("what", "What"),
            ]:
                table.add_column(label, key=key)
            yield table
            yield Label("", id="prune-outcome")
        yield LabFooter()

    def on_mount(self) -> None:
        """Preview at once."""
        self.action_reload()

    def action_reload(self) -> None:
        """Preview again (what is unused may have changed)."""
        self.load_plans()

    @work(thread=True, exclusive=True, group="prune", exit_on_error=False)
    def load_plans(self) -> None:
        """The blocking preview, shown on the UI thread."""
        try:
            plans = self._plan()
        except Exception as exc:
            self.app.call_from_thread(self._outcome, f"cannot preview: {exc}")
            return
        self.app.call_from_thread(self.show_plans, plans)

    def show_plans(self, plans: list[PrunePlan]) -> None:
        """Show the preview; ticks stay on the kinds that still have something to free."""
        self.plans = {plan.kind: plan for plan in plans}
        self.chosen &= {kind for kind, plan in self.plans.items() if plan.reclaimable or plan.count}
        self._redraw()

    def _redraw(self) -> None:
        table = self.query_one("#prune-table", KeyedTable)
        order = list(self.plans)
        rows = {kind: prune_cells(plan, kind in self.chosen) for kind, plan in self.plans.items()}
        table.sync(rows, rank=order.index)
        total = sum(self.plans[kind].reclaimable for kind in self.chosen)
        self.query_one("#prune-title", Label).update(
            f"Prune: space ticks a row, p prunes the ticked ones (frees {human_size(total)})"
        )

    def _outcome(self, text: str) -> None:
        self.last_result = text
        self.query_one("#prune-outcome", Label).update(plain(text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode never gets here; if it did, none of these keys would show."""
        return not hidden(self, action, parameters)

    def action_tick(self) -> None:
        """Tick or untick the row under the cursor."""
        kind = self.query_one("#prune-table", KeyedTable).cursor_key
        if kind is None:
            return
        self.chosen ^= {kind}
        self._redraw()

    def action_prune(self) -> None:
        """Ask, listing what goes, then prune exactly the previewed objects."""
        plans = [self.plans[kind] for kind in self.plans if kind in self.chosen]
        if not plans:
            self.notify("tick a row with space first", severity="warning")
            return
        if not allowed(self, "pruning"):
            return
        listed = "; ".join(f"{p.kind}: {p.count or human_size(p.reclaimable)}" for p in plans)
        frees = human_size(sum(p.reclaimable for p in plans))

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_prunes(plans)

        self.app.push_screen(ConfirmScreen(f"Prune {listed} (frees {frees})?"), answered)

    @work(thread=True, exclusive=True, group="prune", exit_on_error=False)
    def run_prunes(self, plans: list[PrunePlan]) -> None:
        """Prune in a worker, then say what was freed and preview again."""
        results = [self._prune(plan) for plan in plans]
        self.app.call_from_thread(self._outcome, prune_summary(results))
        self.app.call_from_thread(self._done)

    def _done(self) -> None:
        self.chosen.clear()
        self.action_reload()
