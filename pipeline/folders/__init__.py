"""Adapters for the shared-drive folders: layout, atomic writes, settling, watching."""
