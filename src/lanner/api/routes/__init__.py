"""One module per resource; each exposes ``router`` (mounted under both tenant prefixes)."""
