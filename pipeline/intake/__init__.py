"""Intake: invitations arriving in ``inbox/`` (or by email) become cases."""
