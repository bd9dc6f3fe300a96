"""Email: IMAP intake, the outbox and SMTP delivery, mail text, replies that act.

One concept per module:

- :mod:`~pipeline.mail.incoming`: parsing an untrusted incoming message
  (size first, sanitised attachment names, kinds from bytes, allow-list);
- :mod:`~pipeline.mail.replies`: which case, verb and token a reply carries;
  token HMACs and their secret;
- :mod:`~pipeline.mail.compose`: every outgoing mail, from ``templates/email/``;
- :mod:`~pipeline.mail.outbox`: the ``.eml`` queue in ``outbox/`` and its rows;
- :mod:`~pipeline.mail.smtp`: the delivery worker (retries, backoff, failures);
- :mod:`~pipeline.mail.imap`: the mailbox watcher (IDLE or polling, reconnects);

Submodules are imported where used (``from pipeline.mail.incoming import
parse_message``); this package imports nothing heavy itself.
"""
