"""The training run: keys, build, launch, watch models/, verify. Never imports Textual."""
