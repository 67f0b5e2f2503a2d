"""`python -m bench --check [names]`: bench.check (compare a fresh run with the committed one)."""

from __future__ import annotations

import sys

from bench.check import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--check" not in args:
        print("usage: python -m bench --check [names] [--fresh DIR]; or python -m bench.<name>")
        raise SystemExit(2)
    args.remove("--check")
    raise SystemExit(main(args))
