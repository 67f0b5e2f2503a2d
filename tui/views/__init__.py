"""The Textual app: screens, panes and messages. The only package that imports Textual."""
