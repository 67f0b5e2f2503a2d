"""The pristine-Debian lane (python -m tests.pristine): README's first commands on stock Debian."""
