"""`python -m tui`: the same as the `container-lab` command."""

import sys

from tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
