"""Follow the presenter: one dashboard of a lab presents, the others may follow its tab and row.

`PresenterLink` is an invisible widget the app composes (as the VM baseline pane composes its
lesson control). Presenting (`V`, or `--present`), it claims the lab's one presenter and, a few
times a second, publishes the tab shown and the key of the highlighted row of that tab's table
(tui/presenter.py, on tui/published.py), only when they change. Following (`F`), it reads that
document back from a thread and moves this dashboard to the same tab and row; a row this
dashboard does not show is named in one line and following goes on (it moves there once the row
appears). Moving by hand (a tab or cursor key) stops following, as moving in a shared editor
does; `F` follows again. A presenter that is gone shows as "presenter left", and the follower
stays where it is until a presenter shows something again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from tui.errors import LabError
from tui.paths import LabPaths
from tui.presenter import NAME, Followed, Presented, Presenting, followed
from tui.published import Follower, Seen
from tui.views.widgets.keyed_table import KeyedTable

PUBLISH_SECONDS = 0.25  # the presenter's view goes out at most four times a second
RETRY_SECONDS = 0.5  # a followed row not shown yet is looked for again
# Actions that move a viewer by hand: while following, they stop it.
MOVES = frozenset(
    {"tab", "next_tab", "previous_tab", "cursor_up", "cursor_down", "page_up", "page_down"}
    | {"scroll_top", "scroll_bottom", "first", "last", "next_engine"}
)


@dataclass(frozen=True)
class Where:
    """The tab shown, which of its tables has the cursor, the row's key and what it shows."""

    tab: str
    table: int = -1
    row: str = ""
    label: str = ""


class PresenterLink(Widget):
    """Presents this dashboard's view, or follows the lab's presenter; see the module docstring."""

    DEFAULT_CSS = "PresenterLink { display: none; }"

    @dataclass(eq=False)
    class Read(Message):
        """The lab's presenter document as the follower last read it."""

        followed: Followed

    def __init__(
        self,
        paths: LabPaths | None,
        *,
        go_to: Callable[[str], None],
        engine_of: Callable[[str, str], str],
        show_mode: Callable[[str], None],
        id: str | None = None,
    ) -> None:
        """`paths`: the lab's (None: no lab); `go_to(tab)` switches tabs as the tab keys do;
        `engine_of(tab, row)` names a row's engine; `show_mode(words)` puts "presenting" or
        "following <who>" in the subtitle."""
        super().__init__(id=id)
        self.paths = paths
        self.go_to = go_to
        self.engine_of = engine_of
        self.show_mode = show_mode
        self.presenting: Presenting | None = None
        self.publisher_timer: Timer | None = None
        self.follower: Follower | None = None
        self.retry_timer: Timer | None = None
        self.last = Followed()  # what the follower last saw
        self.pending: Presented | None = None  # a followed row not shown here yet
        self.said = ""  # the last line said about the followed view (said once)

    @property
    def following(self) -> bool:
        """True while this dashboard follows the presenter."""
        return self.follower is not None

    # Where this dashboard is ----------------------------------------------------------------

    def tab_pane(self, tab: str) -> TabPane | None:
        """The tab `tab` of the dashboard's screen (None: no such tab)."""
        found = self.screen.query_one(TabbedContent).query(f"TabPane#{tab}")
        return found.first(TabPane) if found else None

    def shown_tab(self) -> str:
        """The id of the tab this dashboard shows."""
        return str(self.screen.query_one(TabbedContent).active)

    def where(self) -> Where:
        """The tab shown and its highlighted row (that of the focused table, else its first)."""
        tab = self.shown_tab()
        pane = self.tab_pane(tab)
        tables = list(pane.query(KeyedTable)) if pane is not None else []
        index = tables.index(self.app.focused) if self.app.focused in tables else 0
        if index >= len(tables) or tables[index].cursor_key is None:
            return Where(tab)
        table = tables[index]
        key = str(table.cursor_key)
        label = key
        if table.unique_column in table.columns:
            label = str(table.get_cell(key, table.unique_column)) or key
        return Where(tab, index, key, label)

    # Presenting ---------------------------------------------------------------------------

    def toggle_presenting(self) -> None:
        """Present this dashboard's view to the lab's followers, or stop."""
        if self.presenting is not None:
            self.stop_presenting()
            self.notify("stopped presenting: followers stay where they are")
            return
        if self.paths is None:
            self.notify("cannot present: no lab configured", severity="error")
            return
        if self.app.is_web:
            self.notify("a served session never presents: present from a terminal")
            return
        presenting = Presenting(self.paths)
        refusal = presenting.claim()
        if refusal:
            self.notify(refusal, severity="warning")
            return
        if self.following:
            self.stop_following("")
        self.presenting = presenting
        self.publisher_timer = self.set_interval(PUBLISH_SECONDS, self.publish)
        self.publish()
        self.show_mode("presenting")
        self.notify("presenting: dashboards of this lab follow your tab and row with F")

    def publish(self) -> None:
        """Publish the view if it changed (a failure is said once; presenting stops)."""
        presenting = self.presenting
        if presenting is None:
            return
        where = self.where()
        try:
            presenting.show(
                where.tab, where.table, where.row, where.label, self.engine_of(where.tab, where.row)
            )
        except LabError as exc:
            self.stop_presenting()
            self.notify(f"stopped presenting: {exc}", severity="error")

    def stop_presenting(self) -> None:
        """Tell the followers, let the claim go."""
        presenting, self.presenting = self.presenting, None
        if self.publisher_timer is not None:
            self.publisher_timer.stop()
            self.publisher_timer = None
        if presenting is not None:
            # Not written: its end shows as "presenter left" (the writer is gone) soon enough.
            with contextlib.suppress(LabError):
                presenting.stop()
            self.show_mode("")

    # Following ----------------------------------------------------------------------------

    def toggle_following(self) -> None:
        """Follow the lab's presenter, or stop."""
        if self.following:
            self.stop_following("stopped following the presenter: F follows again")
            return
        if self.paths is None:
            self.notify("cannot follow: no lab configured", severity="error")
            return
        if self.presenting is not None:
            self.notify("this dashboard presents: V stops presenting, then F follows")
            return
        paths = self.paths
        self.last, self.said, self.pending = Followed(), "", None
        self.follower = Follower(paths, NAME, lambda found: self.report(found, paths))
        self.follower.start()
        self.retry_timer = self.set_interval(RETRY_SECONDS, self.retry)
        self.show_mode("following the presenter")

    def report(self, found: Seen, paths: LabPaths) -> None:
        """From the follower's thread."""
        self.post_message(self.Read(followed(found, paths)))

    def stop_following(self, why: str) -> None:
        """Stop following, saying `why` (nothing when empty)."""
        follower, self.follower = self.follower, None
        if follower is not None:
            follower.close()
        if self.retry_timer is not None:
            self.retry_timer.stop()
            self.retry_timer = None
        self.pending = None
        if why:
            self.notify(why)
        if self.presenting is None:
            self.show_mode("")

    def by_hand(self, action: str) -> None:
        """An action about to run: one that moves this dashboard stops following."""
        if self.following and action in MOVES:
            self.stop_following("moved by hand: stopped following the presenter (F follows again)")

    def on_presenter_link_read(self, message: PresenterLink.Read) -> None:
        """Follow the presenter's view: say what changed, move to its tab and row."""
        if not self.following:
            return
        now, self.last = message.followed, message.followed
        shown = now.shown
        if now.error:
            self.show_mode("following: the presenter's view cannot be read")
            self.say(f"cannot follow the presenter: {now.error}", "error")
        elif shown is None:
            self.show_mode("following: no presenter yet")
            self.say("no one presents in this lab yet: following starts when someone does")
        elif now.left or not shown.presenting:
            self.pending = None
            gone = "presenter left" if now.left else f"{shown.who} stopped presenting"
            self.show_mode(f"following: {gone}")
            self.say(f"{gone}: staying here (F stops following)", "warning")
        else:
            self.show_mode(f"following {shown.who}")
            self.said = ""
            self.move_to(shown)

    def say(self, line: str, severity: SeverityLevel = "information") -> None:
        """One line, once (the follower reports changes, but a line need not repeat)."""
        if line != self.said:
            self.said = line
            self.notify(line, severity=severity)

    def move_to(self, shown: Presented) -> None:
        """Show the presenter's tab and put the cursor on its row (or say it is not here)."""
        if self.tab_pane(shown.tab) is None:
            self.say(f"following {shown.who}: the tab {shown.tab} is not in this dashboard")
            return
        self.pending = shown if shown.row else None
        if self.shown_tab() != shown.tab:
            self.go_to(shown.tab)
            # The switch is queued (a tab may be built first): the row waits for it, so the
            # cursor never lands on a hidden tab and "not shown here" is not said too early.
            self.app.call_next(self.follow_row, shown)
        else:
            self.follow_row(shown)

    def follow_row(self, shown: Presented) -> None:
        """Put the cursor on the followed row, or say it is not here (unless overtaken)."""
        if not self.following or shown is not self.pending or not self.is_attached:
            return  # stopped, overtaken by a newer view, or the app is ending
        if not self.place_row(shown):
            engine = f" of {shown.engine}" if shown.engine else ""
            self.say(
                f"following {shown.who}: {shown.label or shown.row}{engine} is not shown here;"
                " still following"
            )

    def place_row(self, shown: Presented) -> bool:
        """Put the cursor on the presenter's row; False while this dashboard does not show it."""
        pane = self.tab_pane(shown.tab)
        tables = list(pane.query(KeyedTable)) if pane is not None else []
        if not shown.row or not 0 <= shown.table < len(tables):
            self.pending = None
            return not shown.row
        table = tables[shown.table]
        if shown.row not in table.row_keys():
            return False
        self.pending = None
        table.move_cursor(row=table.get_row_index(shown.row))
        if table.focusable and self.app.focused is not table:
            table.focus()
        return True

    def retry(self) -> None:
        """A followed row that was not shown yet: put the cursor on it once it is."""
        pending = self.pending
        if pending is None or not (self.following and self.last.live):
            return
        if self.shown_tab() == pending.tab:
            self.place_row(pending)

    def on_unmount(self) -> None:
        """The app is ending: followers are told this presenter stopped."""
        if self.follower is not None:
            self.follower.close()
        self.stop_presenting()
