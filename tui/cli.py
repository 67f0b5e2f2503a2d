"""The `container-lab` command: the dashboard by default, and the lab's subcommands."""

from __future__ import annotations

import argparse
import errno
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tui.errors import LabError
from tui.lifetime import Ending, join_served_session
from tui.text import guard_output, printable

MAX_SECONDS = 86400.0  # a day: any wait the lab offers is far shorter
# A Docker image reference: [host[:port]/]name[/name...][:tag][@sha256:digest], names lowercase.
_NAME = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REFERENCE = re.compile(
    rf"(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?{_NAME}(?:/{_NAME})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)


def _one_engine(args: argparse.Namespace) -> str | None:
    """The --host to pass on, after resolving every --host and --context (LabError if bad).

    The commands talk to one engine (the dashboard to every one given). A --context is passed on as
    $DOCKER_CONTEXT, which every later resolution (and the docker CLI a shell runs) honours.
    """
    from tui.engine.contexts import resolve_engines

    hosts: list[str] = args.host or []
    contexts: list[str] = args.context or []
    engines = resolve_engines(hosts, contexts)
    if len(engines) > 1:
        names = ", ".join(spec.name for spec in engines)
        raise LabError(
            f"{len(engines)} engines given ({names}): this command talks to one at a time; "
            "give one --host or --context."
        )
    context = engines[0].context
    if context is not None and contexts:
        os.environ["DOCKER_CONTEXT"] = context
        os.environ.pop("DOCKER_HOST", None)  # --context wins over $DOCKER_HOST, as in the CLI
    return hosts[0] if hosts else None


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from tui.engine.contexts import resolve_engines
    from tui.preferences import config_path, load_preferences
    from tui.views.keymap import dashboard_choices
    from tui.wiring import run_dashboard

    if args.present and (args.read_only or args.serve):
        raise LabError("--present needs a terminal dashboard that is not --read-only or --serve")
    hosts: list[str] = args.host or []
    contexts: list[str] = args.context or []
    engines = resolve_engines(hosts, contexts)  # several: one feed each, a Host column
    engine_args = [*(f"--host={h}" for h in hosts), *(f"--context={c}" for c in contexts)]
    # A bad setting keeps its default and is shown as a notice: the dashboard always starts.
    preferences = load_preferences(config_path(), dashboard_choices())
    return run_dashboard(
        engines,
        engine_args=engine_args,
        serve=args.serve,
        port=args.port,
        stats=args.stats or preferences.stats or "auto",
        bind=args.bind,
        read_only=args.read_only,
        present=args.present,
        max_sessions=args.max_sessions,
        preferences=preferences,
    )


def _cmd_config_missing(args: argparse.Namespace) -> int:
    raise LabError("say what to do with the preferences: `config check` or `config path`.")


def _cmd_config_path(args: argparse.Namespace) -> int:
    from tui.preferences import config_path

    print(config_path())
    return 0


def _cmd_config_check(args: argparse.Namespace) -> int:
    from tui.preferences import config_path, describe, load_preferences
    from tui.views.keymap import dashboard_choices

    path = config_path()
    preferences = load_preferences(path, dashboard_choices())
    for error in preferences.errors:
        print(f"container-lab: {error}", file=sys.stderr)
    if preferences.errors:
        return 2
    print(describe(preferences))
    return 0


def _image_name(text: str, option: str) -> str:
    """`text` when it is an image reference such as debian:bookworm-slim; else a LabError."""
    if not IMAGE_REFERENCE.fullmatch(text):
        raise LabError(
            f"{option} {text!r} is not an image name: give one such as `debian:bookworm-slim`."
        )
    return text


def _seconds(value: float, option: str) -> float:
    """A positive, finite number of seconds up to a day; else a LabError."""
    if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        raise LabError(
            f"{option} {value:g} is not a positive number of seconds up to {MAX_SECONDS:g}: "
            f"give one such as `{option} 300`."
        )
    return value


def _cmd_engine_up(args: argparse.Namespace) -> int:
    from tui.host.provision import ensure_base_image, ensure_engine

    if not args.no_base_image:
        _image_name(args.base_image, "--base-image")
    print(ensure_engine(install=not args.no_install, gvisor=args.gvisor))
    if not args.no_base_image:
        print(ensure_base_image(args.base_image))
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from tui.host.doctor import doctor_from_cli

    return doctor_from_cli(args.commands or [], install_missing=args.install, quiet=args.quiet)


def _cmd_keys_init(args: argparse.Namespace) -> int:
    from tui.lab.keys import init_keys
    from tui.paths import lab_paths

    print(init_keys(lab_paths(), force=args.force).describe())
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from tui.lab.identity import parse_user_id
    from tui.lab.train_cli import train_from_cli

    identity = parse_user_id(args.user_id) if args.user_id else None
    if (args.compose or args.cluster) and args.runtime:
        raise LabError("--runtime works with the SDK run; leave out --compose and --cluster.")
    if args.cluster:
        from tui.cluster.plan import find_cluster
        from tui.lab.cluster_run import train_cluster_from_cli

        if args.compose:
            raise LabError("--cluster and --compose: pick one way to run the training.")
        if args.replicas < 1:
            raise LabError(f"--replicas {args.replicas}: a job needs at least 1 replica.")
        state = find_cluster(args.cluster_name)
        if state is None or not state.complete:
            raise LabError(
                f"no cluster named {args.cluster_name} is up: `./lab cluster up` makes one."
            )
        urls = [node.url for node in state.nodes]
        return train_cluster_from_cli(args.host, urls[0], urls, args.replicas, identity)
    return train_from_cli(
        host=args.host,
        rebuild=args.rebuild,
        compose=args.compose,
        identity=identity,
        runtime=args.runtime,
    )


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from tui.lab.reproduce import reproduce_from_cli

    return reproduce_from_cli(Path(args.path), host=args.host, runtime=args.runtime)


def _cmd_runs(args: argparse.Namespace) -> int:
    from tui.lab.runs_cli import runs_from_cli

    return runs_from_cli(args.compare, only_differences=args.differences)


def _cmd_sbom(args: argparse.Namespace) -> int:
    from tui.lab.sbom import sbom_from_cli

    return sbom_from_cli(args.image, host=args.host, save=args.save)


def _cmd_verify(args: argparse.Namespace) -> int:
    from tui.lab.image import training_image_tag
    from tui.lab.verify import verify_from_cli

    timeout = _seconds(args.timeout, "--timeout")
    return verify_from_cli(
        Path(args.path),
        host=args.host,
        timeout=timeout,
        image=training_image_tag(),
        as_json=args.json,
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    from tui.lab.demo import demo_from_cli

    if args.action is None:
        raise LabError("say what to do with the demo containers: `demo up` or `demo down`.")
    return demo_from_cli(args.action, host=args.host)


def _cmd_cluster(args: argparse.Namespace) -> int:
    from tui.cluster import cli as cluster_cli

    if args.action is None:
        raise LabError("say what to do with the cluster: `cluster up`, `status` or `down`.")
    if args.action == "up":
        return cluster_cli.up_from_cli(args.host, args.nodes, args.name)
    if args.action == "status":
        return cluster_cli.status_from_cli(args.name)
    return cluster_cli.down_from_cli(args.name)


def _cmd_baseline_measure(args: argparse.Namespace) -> int:
    from tui.baseline.cli import measure_from_cli

    _seconds(args.timeout, "--timeout")
    return measure_from_cli(args)


def _cmd_baseline_show(args: argparse.Namespace) -> int:
    from tui.baseline.cli import show_from_cli

    return show_from_cli(args)


def doctor_choices() -> list[str]:
    """The names `doctor --for` takes: its sections and the commands that map to them."""
    from tui.host.needs import COMMANDS, SECTIONS

    return sorted({*SECTIONS, *COMMANDS})


def _needs_action(parser: argparse.ArgumentParser, actions: str) -> None:
    """Without an action the command prints its usage and exits 2 (not the dashboard)."""

    def missing(args: argparse.Namespace) -> int:
        parser.error(f"say which action: {actions} (see --help)")

    parser.set_defaults(func=missing)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `container-lab` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="container-lab",
        description="A terminal dashboard for Docker container labs in machine learning.",
    )
    parser.add_argument(
        "--host",
        action="append",
        metavar="URL",
        help="engine address: unix://, ssh://[USER@]HOST[:PORT] or tcp:// (TLS from "
        "$DOCKER_TLS_VERIFY/$DOCKER_CERT_PATH); default: $DOCKER_HOST, the docker context, "
        "the local socket",
    )
    parser.add_argument(
        "--context",
        action="append",
        metavar="NAME",
        help="a docker CLI context (`docker context ls`) instead of --host",
    )
    parser.add_argument("--serve", action="store_true", help="serve the dashboard in a browser")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve")
    parser.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDR",
        help="address for --serve (default 127.0.0.1; the printed token URL is still required)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=4,
        metavar="N",
        help="browser sessions --serve runs at once (one dashboard process each; default 4)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="watch only: no start, stop, kill, remove, shell or training (also with --serve)",
    )
    parser.add_argument(
        "--present",
        action="store_true",
        help="present from the start: dashboards of this lab that follow (F) see your tab and"
        " row (V toggles it; not with --read-only or --serve)",
    )
    parser.add_argument(
        "--stats",
        choices=("auto", "api", "cgroup"),
        default=None,
        help="where live stats come from (auto: cgroup files for a local engine, else the API;"
        " default: the preferences' stats, else auto)",
    )
    parser.set_defaults(func=_cmd_dashboard)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    engine_parser = sub.add_parser("engine", help="the Docker engine")
    _needs_action(engine_parser, "up")
    engine = engine_parser.add_subparsers(metavar="ACTION")
    up = engine.add_parser("up", help="start dockerd if none answers; bootstrap the base image")
    up.add_argument("--no-install", action="store_true", help="never apt-get install docker.io")
    up.add_argument("--no-base-image", action="store_true", help="skip the base image")
    up.add_argument(
        "--gvisor",
        action="store_true",
        help="register gVisor as container-lab-runsc in daemon.json and reload dockerd even when "
        "the lab did not start it (other entries are kept byte for byte)",
    )
    up.add_argument("--base-image", default="debian:bookworm-slim")
    up.set_defaults(func=_cmd_engine_up)

    doctor = sub.add_parser(
        "doctor", help="what each command needs from this machine, what is missing and why"
    )
    doctor.add_argument(
        "--for",
        dest="commands",
        action="append",
        metavar="COMMAND",
        choices=doctor_choices(),
        help="only what COMMAND needs (repeatable; dashboard, lesson, keys, train, test or any "
        "command); default: all",
    )
    doctor.add_argument(
        "--install",
        action="store_true",
        help="install the missing Debian packages and start the local engine (root or sudo)",
    )
    doctor.add_argument("--quiet", action="store_true", help="say only what is missing")
    doctor.set_defaults(func=_cmd_doctor)

    keys_parser = sub.add_parser("keys", help="the demo signing key")
    _needs_action(keys_parser, "init")
    keys = keys_parser.add_subparsers(metavar="ACTION")
    init = keys.add_parser("init", help="make a fresh demo signing key in .lab/")
    init.add_argument("--force", action="store_true", help="replace an existing key")
    init.set_defaults(func=_cmd_keys_init)

    train = sub.add_parser("train", help="build the image and train a signed model")
    train.add_argument("--rebuild", action="store_true", help="build without the layer cache")
    train.add_argument("--compose", action="store_true", help="run through docker compose")
    train.add_argument(
        "--user-id",
        metavar="UID[:GID]",
        help="run the container as (and give models/ to) these ids instead of .env's",
    )
    train.add_argument(
        "--runtime",
        metavar="NAME",
        help="the engine's runtime to train with (e.g. its gVisor runtime); default: its own",
    )
    train.add_argument(
        "--cluster",
        action="store_true",
        help="run as a Swarm replicated-job on the lab's cluster (./lab cluster up)",
    )
    train.add_argument(
        "--replicas", type=int, default=2, metavar="N", help="with --cluster: replicas (default 2)"
    )
    train.add_argument("--cluster-name", default="lab", help=argparse.SUPPRESS)
    train.set_defaults(func=_cmd_train)

    reproduce = sub.add_parser(
        "reproduce", help="retrain a model from this checkout and compare the model digests"
    )
    reproduce.add_argument("path", help="the model tarball")
    reproduce.add_argument("--runtime", metavar="NAME", help="the engine's runtime to train with")
    reproduce.set_defaults(func=_cmd_reproduce)

    runs = sub.add_parser("runs", help="the run history in runs/")
    runs.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="two runs side by side (a number from the list, a run id or a model file name)",
    )
    runs.add_argument(
        "--differences", action="store_true", help="with --compare: only the fields that differ"
    )
    runs.set_defaults(func=_cmd_runs)

    sbom = sub.add_parser("sbom", help="an image's Debian and Python packages (CycloneDX)")
    sbom.add_argument("image", help="an image name or id")
    sbom.add_argument("--save", metavar="PATH", help="write the CycloneDX JSON to PATH")
    sbom.set_defaults(func=_cmd_sbom)

    verify = sub.add_parser("verify", help="verify a model tarball inside the training image")
    verify.add_argument("path", help="the model tarball")
    verify.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds the verification may take (exit 4 when exceeded; default 300)",
    )
    verify.add_argument(
        "--json", action="store_true", help="print the whole report, provenance included, as JSON"
    )
    verify.set_defaults(func=_cmd_verify)

    demo = sub.add_parser("demo", help="sample containers to look at (local images only)")
    demo.set_defaults(func=_cmd_demo, action=None)
    demo_actions = demo.add_subparsers(metavar="ACTION")
    demo_up = demo_actions.add_parser("up", help="start the demo containers (idempotent)")
    demo_up.set_defaults(func=_cmd_demo, action="up")
    demo_down = demo_actions.add_parser("down", help="remove the demo containers, nothing else")
    demo_down.set_defaults(func=_cmd_demo, action="down")

    cluster = sub.add_parser("cluster", help="a Docker Swarm of several engines on this machine")
    cluster.set_defaults(func=_cmd_cluster, action=None, name="lab")
    cluster_actions = cluster.add_subparsers(metavar="ACTION")
    cluster_up = cluster_actions.add_parser(
        "up", help="start N dockerds in their own namespaces and form a Swarm (needs root)"
    )
    cluster_up.add_argument(
        "--nodes", type=int, default=3, metavar="N", help="how many nodes (default 3)"
    )
    cluster_actions.add_parser("status", help="each node as the manager sees it")
    cluster_actions.add_parser("down", help="remove exactly what `cluster up` made")
    for action, parser_ in cluster_actions.choices.items():
        parser_.set_defaults(func=_cmd_cluster, action=action)
        parser_.add_argument(
            "--name", default="lab", help="the cluster's name (several can run; default lab)"
        )

    config_parser = sub.add_parser("config", help="the preferences file")
    config_parser.set_defaults(func=_cmd_config_missing)
    config = config_parser.add_subparsers(metavar="ACTION")
    config_check = config.add_parser(
        "check", help="check the preferences file (each bad setting on one line, exit 2)"
    )
    config_check.set_defaults(func=_cmd_config_check)
    config.add_parser("path", help="where the preferences file is read from").set_defaults(
        func=_cmd_config_path
    )

    baseline_parser = sub.add_parser("baseline", help="the VM baseline")
    _needs_action(baseline_parser, "measure or show")
    baseline = baseline_parser.add_subparsers(metavar="ACTION")
    measure = baseline.add_parser(
        "measure", help="the lesson: one image as a container, a gVisor sandbox and a QEMU VM"
    )
    measure.add_argument("--image", default="debian:bookworm-slim", help="the image all three run")
    measure.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole run")
    measure.add_argument("--memory", type=int, default=256, help="VM memory in MiB")
    measure.set_defaults(func=_cmd_baseline_measure)
    show = baseline.add_parser("show", help="list the VM profiles and their sources")
    show.set_defaults(func=_cmd_baseline_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `container-lab`; every LabError becomes one line on stderr and exit status 2.

    Every command but the dashboard (which draws the terminal itself) prints through
    tui/text.py's guard: names, log lines and tar members reach the terminal as text.
    """
    join_served_session()  # a --serve session app: dies with its server, bounded in memory
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    if func is _cmd_dashboard and not args.serve and argv is None:
        # The console script's own process (not a test calling main): the ending goes in
        # before the slow imports, so a terminal closed during start-up is noticed too.
        Ending().install()
    try:
        if func is not _cmd_dashboard:  # the dashboard watches every engine given
            guard_output()
            args.host = _one_engine(args)
        return func(args)
    except LabError as exc:
        print(f"container-lab: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("container-lab: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        name = str(exc.filename or "")
        print(
            f"container-lab: a path is too long for this system ({len(name)} characters, "
            f"{name[:40]!r}…): give a shorter one",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
