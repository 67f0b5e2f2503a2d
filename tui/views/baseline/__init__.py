"""The VM baseline tab: the lesson (container, gVisor, VM) and the cited profiles."""
