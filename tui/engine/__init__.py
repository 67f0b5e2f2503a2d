"""The ground floor: everything that talks to the Docker engine. Never imports Textual."""
