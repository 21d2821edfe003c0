"""The Textual console of Dispatch Console."""
