"""The training run from one key: build, train, watch models/, verify, show the model; and
the run history (runs/), two runs of which compare side by side.

The run itself (tui.lab) blocks, so it runs in a thread worker that posts each event back; the
history is read in a worker too, at start and after each run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Log, ProgressBar, Static

from tui.engine.build import BuildProgress
from tui.errors import LabError
from tui.lab.run import RunEvent, RunOutcome, TrainingRun, describe_failure
from tui.lab.run_report import COLUMNS, history_rows
from tui.lab.runs import RunRecord, load_records
from tui.lab.verify import Verdict
from tui.lifetime import HOLDS
from tui.session import LabSession
from tui.text import printable
from tui.views.formats import plain
from tui.views.read_only import allowed, hidden
from tui.views.run_compare import RunCompareScreen
from tui.views.widgets.confirm import ConfirmScreen
from tui.views.widgets.keyed_table import KeyedTable

MAX_LOG_LINES = 2000
IDLE_TEXT = "Press [b]s[/b] to build the image and train a signed model; [b]c[/b] cancels."
BUILD_SHARE = 0.3  # of the progress bar: the image build, then the training's own progress
KEY_QUESTION = (
    "No signing key yet. Create the demo key (RSA-3072, made here with gpg, kept in the "
    "git-ignored .lab/) and train?"
)
DECLINED_TEXT = (
    "No key was created. Press [b]s[/b] again to be asked again, or run [b]./lab keys init[/b]."
)
RUNS_HINT = "space marks a run, d compares the two marked (or the marked and the highlighted)"
MARKED = "●"


@dataclass(eq=False)
class KeyCreated(Message):
    """The worker made the demo signing key."""

    description: str


@dataclass(eq=False)
class TrainingEvent(Message):
    """One event of the run, posted from the worker."""

    event: RunEvent


@dataclass(eq=False)
class RunsLoaded(Message):
    """The run history as read from runs/, and the files that could not be read."""

    records: list[RunRecord]
    problems: list[str]


@dataclass(eq=False)
class TrainingFinished(Message):
    """The run ended: its outcome, the verdict on its tarball, or the error that stopped it."""

    outcome: RunOutcome | None
    verdict: Verdict | None
    error: str = ""


class TrainingPane(Vertical, can_focus=True):
    """Starts and follows one training run at a time; lists and compares past runs."""

    DEFAULT_CSS = """
    TrainingPane #runs-title { height: 1; }
    TrainingPane #runs-table { height: 1fr; min-height: 4; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("s", "start", "Train"),
        Binding("c", "cancel", "Cancel training"),
        Binding("space", "mark_run", "Mark run", id="mark_run"),
        Binding("d", "compare_runs", "Compare runs", id="compare_runs"),
        Binding("up,k", "runs_cursor(-1)", "Previous run", show=False),
        Binding("down,j", "runs_cursor(1)", "Next run", show=False),
    ]

    def __init__(self, lab: LabSession | None, *, id: str | None = None) -> None:
        """`lab` is None when the dashboard was built without a lab (then it only says so)."""
        super().__init__(id=id)
        self.lab = lab
        self.current_run: TrainingRun | None = None
        self.running = False
        self.phase = "idle"  # idle, keys, building, training, verifying, done
        self.tarball: Path | None = None
        self.build = BuildProgress()  # where the image build is, from its output
        self.records: list[RunRecord] = []
        self.marked: list[str] = []  # run ids, at most two, oldest mark first

    def compose(self) -> ComposeResult:
        """Status, progress bar, the result, then the build and container output."""
        yield Static(IDLE_TEXT if self.lab else "No lab configured.", id="training-status")
        yield ProgressBar(total=100, show_eta=False, id="training-progress")
        yield Static("", id="training-result")
        yield Label(f"Runs: {RUNS_HINT}", id="runs-title")
        table = KeyedTable(unique_column="run_id", id="runs-table")
        table.can_focus = False  # the pane keeps the focus; its up/down move this cursor
        table.add_column("", key="mark")
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        table.add_column("id", key="run_id")
        yield table
        yield Log(max_lines=MAX_LOG_LINES, id="training-log", highlight=False)

    def on_mount(self) -> None:
        """Read the run history."""
        if self.lab is not None:
            self.load_runs()

    @work(thread=True, exclusive=True, group="training-runs", exit_on_error=False)
    def load_runs(self) -> None:
        """Read runs/ off the event loop."""
        assert self.lab is not None
        records, problems = load_records(self.lab.paths)
        self.post_message(RunsLoaded(records, problems))

    @property
    def runs_table(self) -> KeyedTable:
        """The run history's table."""
        return self.query_one("#runs-table", KeyedTable)

    def on_runs_loaded(self, message: RunsLoaded) -> None:
        """Show the history, newest first, marks kept."""
        self.records = message.records
        known = {record.run_id for record in self.records}
        self.marked = [run_id for run_id in self.marked if run_id in known]
        self._show_runs()
        for problem in message.problems:
            self.app.notify(f"run history: {problem}", severity="warning")

    def _show_runs(self) -> None:
        rows = {
            row["run_id"]: [
                MARKED if row["run_id"] in self.marked else "",
                *(row[key] for key, _ in COLUMNS),
                row["run_id"],
            ]
            for row in reversed(history_rows(self.records))
        }
        self.runs_table.sync(rows)

    def action_runs_cursor(self, step: int) -> None:
        """Move the history's cursor."""
        table = self.runs_table
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_mark_run(self) -> None:
        """Mark the highlighted run for comparison (a third mark replaces the oldest)."""
        run_id = self.runs_table.cursor_key
        if run_id is None:
            return
        if run_id in self.marked:
            self.marked.remove(run_id)
        else:
            self.marked = [*self.marked, run_id][-2:]
        self._show_runs()

    def _run_name(self, record: RunRecord) -> str:
        return f"run {self.records.index(record) + 1}"

    def action_compare_runs(self) -> None:
        """Open the two marked runs (or the marked one and the highlighted) side by side."""
        chosen = list(self.marked)
        highlighted = self.runs_table.cursor_key
        if len(chosen) == 1 and highlighted and highlighted not in chosen:
            chosen.append(highlighted)
        if len(chosen) != 2:
            self.app.notify("mark two runs with space (or one, and highlight another) first")
            return
        by_id = {record.run_id: record for record in self.records}
        a, b = sorted((by_id[run_id] for run_id in chosen), key=self.records.index)
        self.app.push_screen(RunCompareScreen(a, b, (self._run_name(a), self._run_name(b))))

    def _status(self, text: str) -> None:
        """Markup of ours around escape()d engine text; no control character gets through."""
        self.query_one("#training-status", Static).update(printable(text, keep="\n"))

    def _log(self, *lines: str) -> None:
        """Build output and the container's lines: shown as text, controls and all."""
        self.query_one("#training-log", Log).write_lines([printable(line) for line in lines])

    def _bar(self, fraction: float) -> None:
        self.query_one("#training-progress", ProgressBar).update(progress=fraction * 100)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide Train and Cancel in read-only mode."""
        return not hidden(self, action, parameters)

    def action_start(self) -> None:
        """Start a run unless one is going; without a key, offer to create the demo key first."""
        if not allowed(self, "training"):
            return
        if self.lab is None or self.running:
            self.app.notify("a training run is already going" if self.running else "no lab")
            return
        if not self.lab.has_keys():

            def answered(yes: bool | None) -> None:
                if yes:
                    self.begin(create_key=True)
                else:
                    self._status(DECLINED_TEXT)

            self.app.push_screen(ConfirmScreen(KEY_QUESTION), answered)
            return
        self.begin()

    def begin(self, *, create_key: bool = False) -> None:
        """Clear the last run's output and start the worker."""
        if self.lab is None or self.running:
            return
        self.running = True
        self.tarball = None
        self.query_one("#training-log", Log).clear()
        self.query_one("#training-result", Static).update("")
        self._bar(0)
        self.build = BuildProgress()
        self.phase = "keys" if create_key else "building"
        self._status("creating the demo signing key…" if create_key else "building the image…")
        self.train(create_key)

    def action_cancel(self) -> None:
        """Stop the container; the run ends with no tarball."""
        if not allowed(self, "cancelling training"):
            return
        if self.running and self.current_run is not None:
            self._status("cancelling…")
            self.cancel_run()

    @work(thread=True, exclusive=True, group="training-cancel", exit_on_error=False)
    def cancel_run(self) -> None:
        """`docker stop` blocks for a moment: do it off the event loop."""
        if self.current_run is not None:
            self.current_run.cancel()

    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def train(self, create_key: bool = False) -> None:
        """(Make the key,) run, verify the tarball in the training image; post everything back."""
        assert self.lab is not None
        try:
            if create_key:
                self.post_message(KeyCreated(self.lab.create_keys()))
            run = self.lab.training_run(self._post_event)
            self.current_run = run
            # However the app ends, the run is cancelled and its container and key copy removed.
            with HOLDS.holding(run, run.cancel):
                outcome = run.run()
            verdict = self.lab.verify(outcome.tarball) if outcome.tarball else None
        except LabError as exc:
            self.post_message(TrainingFinished(None, None, str(exc)))
            return
        except Exception as exc:  # a failing worker must not take the app down
            self.post_message(TrainingFinished(None, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(TrainingFinished(outcome, verdict))

    def _post_event(self, event: RunEvent) -> None:
        self.post_message(TrainingEvent(event))

    def on_training_event(self, message: TrainingEvent) -> None:
        """Show a build line (cached steps marked), a log line, progress or the tarball."""
        event = message.event
        if event.kind == "build":
            if not self.build.feed(event.text):
                return
            if self.build.current_cached:
                self._log("  (cached)")
            else:
                self._log(f"build {event.text}")
            self._bar(BUILD_SHARE * self.build.fraction)
            self._status(escape(f"building the image: {self.build.describe()}"))
        elif event.kind == "start":
            self.phase = "training"
            self._bar(BUILD_SHARE)
            self._status(f"training in container {escape(event.text)}…")
        elif event.kind == "progress" and event.progress is not None:
            progress = event.progress
            self._bar(BUILD_SHARE + (1 - BUILD_SHARE) * progress.progress)
            self._status(escape(f"{progress.stage}: {progress.message}"))
            self._log(f"{progress.stage:>9} {progress.message}")
        elif event.kind == "log":
            self._log(f"{event.stream:>9} {event.text}")
        elif event.kind == "tarball":
            self.tarball = Path(event.text)
            self.phase = "verifying"
            self._status(escape(f"tarball appeared: {self.tarball.name}; verifying…"))

    def on_key_created(self, message: KeyCreated) -> None:
        """Say where the key went; the build starts next."""
        self.phase = "building"
        self._log(*message.description.splitlines())
        self._status("demo signing key created; building the image…")

    def on_training_finished(self, message: TrainingFinished) -> None:
        """Show the model and its verdict, or why there is none; read the history again."""
        self.running = False
        self.phase = "done"
        if self.lab is not None:
            self.load_runs()
        result = self.query_one("#training-result", Static)
        outcome, verdict = message.outcome, message.verdict
        if message.error or outcome is None:
            self._status(f"[red]training failed:[/red] {escape(message.error)}")
            return
        if outcome.tarball is None or outcome.exit_code != 0:
            self._status(f"[red]{escape(describe_failure(outcome))}[/red]")
            result.update(plain("\n".join(outcome.last_lines[-5:]), keep="\n"))
            return
        self._bar(1)
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.metrics.items()))
        size = outcome.tarball.stat().st_size / 1024 if outcome.tarball.exists() else 0
        signature = (
            f"[green]verified[/green]: signature {verdict.details.get('signature')}, "
            f"validation {verdict.details.get('validation')}"
            if verdict and verdict.ok
            else f"[red]refused[/red]: {escape(verdict.reason if verdict else 'not verified')}"
        )
        self._status(f"done in {outcome.seconds:.1f} s")
        digest = f"digest sha256:{outcome.digest}" if outcome.digest else "no digest"
        result.update(
            printable(
                f"model [b]{escape(outcome.tarball.name)}[/b] ({size:.0f} KiB)\n{metrics}; "
                f"{escape(digest)}\n{signature}",
                keep="\n",
            )
        )
