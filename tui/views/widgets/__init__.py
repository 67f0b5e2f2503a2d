"""Widgets shared by several views: the keyed table and the confirm dialog."""
