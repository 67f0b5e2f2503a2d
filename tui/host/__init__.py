"""The machine the lab runs on: its Debian packages, a local dockerd and the base image.

needs.py is the one list of what each command uses; apt.py installs packages (stdlib only, so
./lab can run it before the environment exists); doctor.py says what is missing and why.
Nothing here imports Textual or docker-py (the engine calls go through tui.engine).
"""
