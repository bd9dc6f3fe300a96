"""The pure core: no I/O, no clock, no threads. Everything here is decided from data."""
