"""Everything that comes from outside is checked here before anything else reads it.

- :mod:`~pipeline.untrusted.reading`: reading a file people put in a shared
  folder (never through a link, never blocking, bounded).
- :mod:`~pipeline.untrusted.sniff`: what a file is, from its bytes (the one sniffer).
- :mod:`~pipeline.untrusted.files`: is it usable and harmless as an invitation
  (PDF active content, flate and zip bombs, DTDs in a DOCX)?
- :mod:`~pipeline.untrusted.names`: file names and MIME words made safe to show and store.
- :mod:`~pipeline.untrusted.mime`: an e-mail's headers, sender, body text and parts (the one
  e-mail parser, for the mail intake and ``spt extract``).
- :mod:`~pipeline.untrusted.html_text`: the readable text of HTML (the one HTML-to-text).
"""
