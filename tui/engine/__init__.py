"""The ground floor: everything that talks to the Docker engine. Never imports Textual."""

from tui.engine.deferred import defer

defer("paramiko")  # docker-py imports it for ssh:// engines only (see deferred.py)
