"""The dashboard as `container-lab` runs it, with a test's lab, image and labels.

`python -m tests.integration.ending_app LABELS_JSON PROJECT IMAGE`: training uses the lab at
PROJECT and the image IMAGE; the lesson's and the training's containers carry LABELS, so a test
finds (and removes) only its own. As in tui/cli.py, the ending is installed before the slow
imports, then `run_app` runs the app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tui.lifetime import Ending


def main(argv: list[str]) -> int:
    Ending().install()
    from tui.engine.backend import DockerBackend
    from tui.paths import LabPaths
    from tui.session import DockerLab
    from tui.views.app import ContainerLabApp, run_app

    labels = json.loads(argv[1])
    lab = DockerLab(paths=LabPaths(Path(argv[2])), image=argv[3], labels=labels)
    app = ContainerLabApp(DockerBackend(), lab=lab)  # the lab labels the lesson too
    return run_app(app)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
