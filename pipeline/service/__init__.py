"""The running service: the engine that applies the core's decisions to folders, and its runner."""
