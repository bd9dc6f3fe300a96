"""PDF steps around the signatures: fields prepared before them, the number filled after."""
