"""Container logs: the streams, their buffer, queries over them and where they come from."""
