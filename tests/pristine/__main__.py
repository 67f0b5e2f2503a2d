"""`python -m tests.pristine [--cold]`: run the lane (see lane.py)."""

import sys

from tests.pristine.lane import main

sys.exit(main(sys.argv[1:]))
