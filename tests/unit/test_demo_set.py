"""The demo set's description (no engine): names, labels, limits, and the CLI's one-line errors."""

from tui.cli import main
from tui.lab.demo import COMPOSE_FILE, DEMO_LABEL, HALF_A_CORE, DemoSet, plain_containers


def test_the_default_set_is_labelled_prefixed_and_limited():
    demo = DemoSet()
    specs = plain_containers(demo)
    assert sorted(specs) == ["cl-demo-cpu", "cl-demo-idle", "cl-demo-memory", "cl-demo-web"]
    assert demo.all_labels == {DEMO_LABEL: "1"}
    assert demo.label_filter == [f"{DEMO_LABEL}=1"]
    assert specs["cl-demo-cpu"]["nano_cpus"] == HALF_A_CORE == 500_000_000
    assert specs["cl-demo-web"]["ports"] == {"8080/tcp": ("127.0.0.1", 8088)}, "loopback only"
    assert specs["cl-demo-memory"]["command"][-1] == "200"
    assert all(spec["image"] == "debian:bookworm-slim" for spec in specs.values())
    assert demo.project == "cl-demo"


def test_a_set_of_its_own_filters_on_its_labels_and_takes_any_free_port():
    demo = DemoSet(prefix="CL-Demo-t1!-", labels={"x.set": "t1"}, web_port=0)
    assert demo.label_filter == [f"{DEMO_LABEL}=1", "x.set=t1"]
    assert demo.project == "cl-demo-t1"  # what Compose accepts as a project name
    assert plain_containers(demo)["CL-Demo-t1!-web"]["ports"]["8080/tcp"] == ("127.0.0.1", None)


def test_the_compose_file_ships_with_the_package_and_names_both_services():
    text = COMPOSE_FILE.read_text()
    assert "\n  web:\n" in text and "\n  poller:\n" in text
    assert "org.container-lab.demo" in text


def test_demo_without_an_action_is_one_line_and_status_2(capsys):
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "demo up" in err
