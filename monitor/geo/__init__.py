"""Gazetteer building and caching, place mention finding and resolution (location rules)."""
