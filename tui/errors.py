"""The one error type the user sees: a single line that says what went wrong and what to do."""


class LabError(Exception):
    """A failure the user can act on; its message is one line, with the remedy in it."""

    def __init__(self, message: str) -> None:
        # Keep it to one line whatever the cause carried (gpg and docker messages have newlines).
        super().__init__(" ".join(message.split()))
