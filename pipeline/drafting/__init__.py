"""Drafting the SPT: the letter's content, the template, and reading the draft back."""
