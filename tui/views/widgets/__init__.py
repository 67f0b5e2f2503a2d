"""Widgets shared by several views: the keyed table, the confirm dialog, input boxes."""
