"""The `container-lab` command: the dashboard by default, and the lab's subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tui.errors import LabError
from tui.text import guard_output, printable


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


def _cmd_engine_up(args: argparse.Namespace) -> int:
    from tui.engine.provision import ensure_base_image, ensure_engine

    print(ensure_engine(install=not args.no_install))
    if not args.no_base_image:
        print(ensure_base_image(args.base_image))
    return 0


def _cmd_keys_init(args: argparse.Namespace) -> int:
    from tui.lab.keys import init_keys
    from tui.paths import lab_paths

    print(init_keys(lab_paths(), force=args.force).describe())
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from tui.lab.identity import parse_user_id
    from tui.lab.run import train_from_cli

    identity = parse_user_id(args.user_id) if args.user_id else None
    return train_from_cli(
        host=args.host, rebuild=args.rebuild, compose=args.compose, identity=identity
    )


def _cmd_verify(args: argparse.Namespace) -> int:
    from tui.lab.verify import verify_from_cli

    return verify_from_cli(Path(args.path), host=args.host, timeout=args.timeout)


def _cmd_demo(args: argparse.Namespace) -> int:
    from tui.lab.demo import demo_from_cli

    if args.action is None:
        raise LabError("say what to do with the demo containers: `demo up` or `demo down`.")
    return demo_from_cli(args.action, host=args.host)


def _cmd_baseline_measure(args: argparse.Namespace) -> int:
    from tui.baseline.cli import measure_from_cli

    return measure_from_cli(args)


def _cmd_baseline_show(args: argparse.Namespace) -> int:
    from tui.baseline.cli import show_from_cli

    return show_from_cli(args)


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
        "--stats",
        choices=("auto", "api", "cgroup"),
        default=None,
        help="where live stats come from (auto: cgroup files for a local engine, else the API;"
        " default: the preferences' stats, else auto)",
    )
    parser.set_defaults(func=_cmd_dashboard)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    engine = sub.add_parser("engine", help="the Docker engine").add_subparsers(metavar="ACTION")
    up = engine.add_parser("up", help="start dockerd if none answers; bootstrap the base image")
    up.add_argument("--no-install", action="store_true", help="never apt-get install docker.io")
    up.add_argument("--no-base-image", action="store_true", help="skip the base image")
    up.add_argument("--base-image", default="debian:bookworm-slim")
    up.set_defaults(func=_cmd_engine_up)

    keys = sub.add_parser("keys", help="the demo signing key").add_subparsers(metavar="ACTION")
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
    train.set_defaults(func=_cmd_train)

    verify = sub.add_parser("verify", help="verify a model tarball inside the training image")
    verify.add_argument("path", help="the model tarball")
    verify.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds the verification may take (exit 4 when exceeded; default 300)",
    )
    verify.set_defaults(func=_cmd_verify)

    demo = sub.add_parser("demo", help="sample containers to look at (local images only)")
    demo.set_defaults(func=_cmd_demo, action=None)
    demo_actions = demo.add_subparsers(metavar="ACTION")
    demo_up = demo_actions.add_parser("up", help="start the demo containers (idempotent)")
    demo_up.set_defaults(func=_cmd_demo, action="up")
    demo_down = demo_actions.add_parser("down", help="remove the demo containers, nothing else")
    demo_down.set_defaults(func=_cmd_demo, action="down")

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

    baseline = sub.add_parser("baseline", help="the VM baseline").add_subparsers(metavar="ACTION")
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
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
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


if __name__ == "__main__":
    sys.exit(main())
