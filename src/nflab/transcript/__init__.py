"""Markdown lab transcripts: parse, run on a simulated world, compare, update."""
