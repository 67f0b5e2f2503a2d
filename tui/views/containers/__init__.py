"""The containers tab: the list with its compose projects, and the detail screen."""
