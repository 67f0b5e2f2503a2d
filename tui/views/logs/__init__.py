"""The logs screen: one container's logs or a compose project's merged, followed live."""
