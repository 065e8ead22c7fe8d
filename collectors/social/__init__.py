"""Social-media posts as structured evidence (built on web capture)."""
