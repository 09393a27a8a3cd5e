"""Which rules an article satisfies, and why (pure: no I/O, no clock)."""
