"""Digital marks on the SPT: keys, paraf and signatures, the cap dinas seal, verification.

One concept per module (import them directly; this package imports nothing,
so loading it stays cheap):

- :mod:`~pipeline.signing.demo_pki`: demo root CA, a key per official, the seal key.
- :mod:`~pipeline.signing.passphrases`: reading passphrases/PINs, writing private files.
- :mod:`~pipeline.signing.keys`: :class:`KeyRing`, every signer loaded and checked at start-up.
- :mod:`~pipeline.signing.appearance`: what a paraf or signature looks like (fonts, WIB time).
- :mod:`~pipeline.signing.signature`: signing one existing field in one PAdES revision.
- :mod:`~pipeline.signing.marks`: :func:`apply_mark`, a stage's paraf or signature.
- :mod:`~pipeline.signing.seal`: :func:`apply_seal`, the locking cap dinas, last.
- :mod:`~pipeline.signing.verify`: :func:`verify_pdf`, the verdict on every signature.
- :mod:`~pipeline.signing.pdfsig`: poppler's ``pdfsig`` as an independent second opinion.
- :mod:`~pipeline.signing.approver`: checking a mark an official applied themselves.
"""
