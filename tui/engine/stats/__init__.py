"""Container stats: the API streams and one-shot samples, and the cgroup sampler."""
