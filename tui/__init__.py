"""Container Lab: a terminal dashboard for Docker container labs in machine learning."""

__version__ = "0.1.0"
