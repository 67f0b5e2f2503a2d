"""The lab's own cluster: a Docker Swarm of several engines on this machine (no Textual)."""
