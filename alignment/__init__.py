"""Sentence and paragraph alignment of French translations with their English originals.

A pure library: text in, alignment out; no web, no database, no termbase objects.
The aligner itself is built under issue 3.
"""
