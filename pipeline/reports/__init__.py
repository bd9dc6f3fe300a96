"""Read-only views of the store for people: status, agenda, verification, audit."""
