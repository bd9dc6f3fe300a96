"""What one incremental revision of a signed letter changed, object by object, and whether
that is all it was allowed to change.

pyHanko's modification levels say what *kind* of change a later revision made
(form filling, annotations, …); they do not say that the change is the one we
expected. The PDF "shadow attacks" (hide, replace, hide-and-replace: Mainka,
Mladenov, Rohlmann, NDSS 2021) live in exactly that gap: a new signature field
whose appearance paints over the text, an overlay annotation, a content stream
edited *in the signer's own revision* (which no earlier signature's analysis
ever sees at the first marking stage). So each revision after the first
signature is read as an object graph and held to a rule of its own:

- **a mark** (:attr:`RevisionRule.signature_field`) may fill that one existing,
  empty signature field: its ``/V`` (a new signature dictionary) and its
  widget's ``/AP`` (new appearance streams: drawn inside the field's unchanged
  ``/Rect``), nothing else of the field;
- **the finalisation's fill** (:attr:`RevisionRule.text_fields`) may do the
  same for the empty text fields ``Nomor``, ``Tanggal`` and ``QR``;
- **after the seal** (:attr:`RevisionRule.validation_data`) only the document
  security store (``/DSS``) may be added or extended, for long-term validation
  (PAdES B-LT), and, in the revision of an archive timestamp
  (:attr:`RevisionRule.timestamp_field`, PAdES B-LTA, issue 23), one new
  invisible signature field of that name whose value is a ``/DocTimeStamp``,
  its widget added to a page's ``/Annots`` (the timestamp itself is validated
  against the TSA's root by :mod:`pipeline.signing.verify`);
- every revision may carry the bookkeeping any PDF writer adds: the catalog's
  ``/Version``, ``/Extensions`` and ``/Metadata`` (XMP), the document
  information dictionary, the AcroForm's ``/SigFlags`` (its ``/Fields`` only
  with exactly the same members), the cross-reference stream and object streams.

Anything else (a page, its content or resources, an annotation, a new or renamed
field, another field's value, any other ``/DocTimeStamp``, a freed object, a new object
that nothing allowed refers to) is a problem, named in Indonesian for the note
the official receives.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

__all__ = ["RevisionRule", "field_refs", "revision_problems"]

# Catalog keys any writer may add or change in a revision: they do not change what is shown.
_CATALOG_BOOKKEEPING = frozenset({"/Version", "/Extensions", "/Metadata"})
_ACROFORM_BOOKKEEPING = frozenset({"/SigFlags"})
# What a revision may set on the field it fills (and on that field's widget); a text field's
# fill also sets its read-only flag and default appearance (pyHanko's static text fill).
_FILLABLE_KEYS = frozenset({"/V", "/AP"})
_TEXT_FILLABLE_KEYS = _FILLABLE_KEYS | {"/DA", "/Ff"}
MAX_REPORTED = 5  # problems named per revision; the rest are counted


@dataclass(frozen=True)
class RevisionRule:
    """What one revision may change (see the module's rules)."""

    signature_field: str | None = None
    text_fields: frozenset[str] = field(default_factory=frozenset)
    validation_data: bool = False
    # After the seal: the name of the archive timestamp's field this revision may add.
    timestamp_field: str | None = None
    # Existing text fields (by name) this revision may fill even though they hold a value:
    # the review copies' DRAF bands, emptied at issue (pipeline.pdf.review).
    refill_pattern: re.Pattern | None = None

    @property
    def fillable(self) -> frozenset[str]:
        own = {self.signature_field} if self.signature_field else set()
        return frozenset(own) | self.text_fields

    def refillable(self, name: str) -> bool:
        return self.refill_pattern is not None and self.refill_pattern.match(name) is not None


def _key(ref) -> tuple[int, int]:
    return (ref.idnum, ref.generation)


def _ref_of(value) -> tuple[int, int] | None:
    if isinstance(value, generic.IndirectObject):
        return (value.idnum, value.generation)
    if isinstance(value, generic.Reference):
        return (value.idnum, value.generation)
    return None


def same(a, b) -> bool:
    """Whether two PDF values are equal, references compared by number (not followed)."""
    ra, rb = _ref_of(a), _ref_of(b)
    if ra is not None or rb is not None:
        return ra == rb
    if isinstance(a, generic.StreamObject) or isinstance(b, generic.StreamObject):
        if not (isinstance(a, generic.StreamObject) and isinstance(b, generic.StreamObject)):
            return False
        return _same_dict(a, b) and a.encoded_data == b.encoded_data
    if isinstance(a, generic.DictionaryObject) or isinstance(b, generic.DictionaryObject):
        if not (isinstance(a, generic.DictionaryObject)
                and isinstance(b, generic.DictionaryObject)):
            return False
        return _same_dict(a, b)
    if isinstance(a, generic.ArrayObject) or isinstance(b, generic.ArrayObject):
        if not (isinstance(a, generic.ArrayObject) and isinstance(b, generic.ArrayObject)):
            return False
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _same_dict(a, b) -> bool:
    if set(a.keys()) != set(b.keys()):
        return False
    return all(same(a.raw_get(k), b.raw_get(k)) for k in a)


def changed_keys(old, new) -> set[str]:
    """The keys of two dictionaries whose values differ (added and removed ones included)."""
    keys = set(old.keys()) | set(new.keys())
    return {k for k in keys
            if k not in old or k not in new or not same(old.raw_get(k), new.raw_get(k))}


def field_refs(root_form, *, depth_limit: int = 16) -> dict[str, list[tuple[int, int]]]:
    """Every terminal field's full name -> the references of its dictionary and widgets."""
    found: dict[str, list[tuple[int, int]]] = {}

    def walk(refs, prefix: str, depth: int) -> None:
        if depth > depth_limit:
            return
        for ref in refs:
            key = _ref_of(ref)
            obj = ref.get_object() if key is not None else ref
            if not isinstance(obj, generic.DictionaryObject):
                continue
            part = str(obj.get("/T", ""))
            name = f"{prefix}.{part}" if prefix and part else (part or prefix)
            kids = obj.get("/Kids")
            if kids is not None and any("/T" in k.get_object() for k in kids
                                        if isinstance(k.get_object(), generic.DictionaryObject)):
                walk(kids, name, depth + 1)
                continue
            own = [key] if key is not None else []
            if kids is not None:  # widgets only
                own += [k for k in (_ref_of(x) for x in kids) if k is not None]
            found.setdefault(name, []).extend(own)

    with contextlib.suppress(KeyError, TypeError):
        walk(root_form["/Fields"], "", 0)
    return found


def revision_problems(reader: PdfFileReader, revision: int, rule: RevisionRule) -> list[str]:
    """What ``revision`` of ``reader`` changed beyond ``rule`` (empty: nothing)."""
    if revision < 1:
        return ["revisi pertama berkas tidak dapat dibandingkan dengan revisi sebelumnya"]
    return _Revision(reader, revision, rule).problems()


class _Revision:
    def __init__(self, reader: PdfFileReader, revision: int, rule: RevisionRule):
        self.reader = reader
        self.revision = revision
        self.rule = rule
        self.xrefs = reader.xrefs
        self.before = reader.get_historical_resolver(revision - 1)
        self.after = reader.get_historical_resolver(revision)
        self.found: list[str] = []

    # -- reading --------------------------------------------------------------------

    def _old(self, key: tuple[int, int]):
        return self.before.get_object(generic.Reference(*key, pdf=self.before))

    def _new(self, key: tuple[int, int]):
        return self.after.get_object(generic.Reference(*key, pdf=self.after))

    def _existed(self, key: tuple[int, int]) -> bool:
        ref = generic.Reference(*key, pdf=self.reader)
        return self.xrefs.get_historical_ref(ref, self.revision - 1) is not None
    def problem(self, text: str) -> None:
        self.found.append(text)

    # -- the rule -------------------------------------------------------------------

    def problems(self) -> list[str]:
        rev = self.revision
        bookkeeping = {_key(r) for r in self.xrefs.object_streams_used_in(rev)}
        stream_ref = self.xrefs.get_xref_container_info(rev).stream_ref
        if stream_ref is not None:
            bookkeeping.add(_key(stream_ref))
        touched = {_key(r) for r in self.xrefs.explicit_refs_in_revision(rev)} - bookkeeping
        if self.xrefs.refs_freed_in_revision(rev):
            self.problem("objek dihapus dari dokumen")

        old_trailer, new_trailer = self.before.trailer_view, self.after.trailer_view
        root = _ref_of(old_trailer.raw_get("/Root"))
        if _ref_of(new_trailer.raw_get("/Root")) != root:
            self.problem("katalog dokumen diganti")
            return self._finish()
        # The information dictionary may be rewritten or replaced by a new one, but the
        # trailer may not name an existing object (a page, say) as "information".
        info = _ref_of(old_trailer.raw_get("/Info")) if "/Info" in old_trailer else None
        new_info = _ref_of(new_trailer.raw_get("/Info")) if "/Info" in new_trailer else None

        old_catalog = self._old(root)
        form_value = old_catalog.raw_get("/AcroForm") if "/AcroForm" in old_catalog else None
        form_ref = _ref_of(form_value)
        old_fields = field_refs(old_catalog["/AcroForm"]) if form_value is not None else {}
        fillable = {}
        for name in self.rule.fillable:
            if name not in old_fields:
                if name == self.rule.signature_field:
                    self.problem(f"kolom {name} tidak ada pada berkas sebelumnya")
                continue
            fillable.update({ref: name for ref in old_fields[name]})
        for name, refs in old_fields.items():
            if self.rule.refillable(name):
                fillable.update({ref: name for ref in refs})
        owner_of = {ref: name for name, refs in old_fields.items() for ref in refs}
        metadata = _ref_of(old_catalog.raw_get("/Metadata")) if "/Metadata" in old_catalog \
            else None

        # Where new objects may hang: the filled fields' new values and appearances,
        # the new XMP and information dictionaries, and (after the seal) the DSS.
        allowed_roots: list = []
        new_keys = {k for k in touched if not self._existed(k)}
        dss = self._dss_tree(old_catalog) if self.rule.validation_data else set()
        stamp = self._new_timestamp_field(root, new_keys)
        if stamp is not None:
            allowed_roots += stamp[0]
        if new_info is not None and new_info not in (info, *new_keys):
            self.problem("kamus informasi dokumen diganti dengan objek lain")
        for key in sorted(touched - new_keys):
            old, new = self._old(key), self._new(key)
            if key == root:
                allowed_roots += self._catalog(old, new)
            elif key in (info, metadata):
                allowed_roots.append(new)
            elif key == form_ref:
                self._acroform(old, new)
            elif key in dss:
                allowed_roots.append(new)  # the DSS extended (a renewal's validation data)
            elif stamp is not None and self._widget_added(old, new, stamp[1]):
                pass  # a page (or its /Annots) gained the archive timestamp's widget
            elif key in fillable:
                allowed_roots += self._filled_field(fillable[key], old, new)
            elif key in owner_of:
                self.problem(f"kolom {owner_of[key]} diubah")
            else:
                self.problem(f"{_kind(old)} diubah (objek {key[0]})")
        if form_value is not None and form_ref is None and root in touched:
            self._acroform(old_catalog["/AcroForm"], self._new(root)["/AcroForm"])
        for name in ("/Info",):
            if name in new_trailer:
                allowed_roots.append(new_trailer.raw_get(name))
        reached = self._reachable(allowed_roots, new_keys)
        strays = sorted(new_keys - reached)
        if strays:
            kinds = ", ".join(sorted({_kind(self._new(k)) for k in strays[:20]}))
            self.problem(f"{len(strays)} objek baru di luar tanda tangan dan tampilannya "
                         f"({kinds})")
        return self._finish()

    def _finish(self) -> list[str]:
        if len(self.found) > MAX_REPORTED:
            more = len(self.found) - MAX_REPORTED
            return [*self.found[:MAX_REPORTED], f"dan {more} perubahan lain"]
        return self.found

    def _catalog(self, old, new) -> list:
        allowed = set(_CATALOG_BOOKKEEPING)
        if "/AcroForm" in old and _ref_of(old.raw_get("/AcroForm")) is None:
            allowed.add("/AcroForm")  # a direct form dictionary: compared on its own
        if self.rule.validation_data:
            allowed.add("/DSS")
        extra = changed_keys(old, new) - allowed
        for key in sorted(extra):
            self.problem(f"katalog dokumen diubah ({key})")
        return [new.raw_get(k) for k in sorted(allowed - {"/AcroForm"}) if k in new]

    def _acroform(self, old, new) -> None:
        for key in sorted(changed_keys(old, new) - _ACROFORM_BOOKKEEPING - {"/Fields"}):
            self.problem(f"formulir dokumen diubah ({key})")
        if "/Fields" in changed_keys(old, new):
            old_names = set(field_refs(old))
            new_names = set(field_refs(new))
            if self.rule.timestamp_field is not None:
                new_names.discard(self.rule.timestamp_field)  # checked by _new_timestamp_field
                if new_names == old_names:
                    return
            added = sorted(new_names - old_names)
            removed = sorted(old_names - new_names)
            if added:
                self.problem("kolom baru ditambahkan: " + ", ".join(added[:5]))
            if removed:
                self.problem("kolom dihapus: " + ", ".join(removed[:5]))
            if not added and not removed:
                self.problem("daftar kolom formulir diubah")

    def _filled_field(self, name: str, old, new) -> list:
        text = name in self.rule.text_fields or self.rule.refillable(name)
        keys = _TEXT_FILLABLE_KEYS if text else _FILLABLE_KEYS
        extra = changed_keys(old, new) - keys
        for key in sorted(extra):
            self.problem(f"kolom {name} diubah ({key})")
        if ("/V" in changed_keys(old, new) and "/V" in old and not self.rule.refillable(name)
                and not (text and old.get("/V") in ("", None))):
            self.problem(f"kolom {name} sudah terisi sebelumnya")
        return [new.raw_get(k) for k in keys if k in new]

    # -- after the seal: validation data and archive timestamps ---------------------

    def _dss_tree(self, old_catalog) -> set[tuple[int, int]]:
        """The indirect objects of the existing DSS (a renewal may extend them)."""
        if "/DSS" not in old_catalog:
            return set()
        found: set[tuple[int, int]] = set()
        stack = [old_catalog.raw_get("/DSS")]
        while stack and len(found) < 100_000:
            value = stack.pop()
            key = _ref_of(value)
            if key is not None:
                if key in found:
                    continue
                found.add(key)
                value = self._old(key)
                if isinstance(value, generic.StreamObject):
                    continue  # a certificate, CRL or OCSP response: nothing hangs below
            stack.extend(_children(value))
        return found

    def _new_timestamp_field(self, root, new_keys) -> tuple[list, set] | None:
        """The archive timestamp's new field, if this revision may add one and did: the
        values it allows to hang new objects from, and its widgets' references.

        The field must be new, a signature field whose ``/V`` is a ``/DocTimeStamp``,
        and invisible (every widget's ``/Rect`` of zero width or height, or without an
        appearance): a visible "timestamp" could paint over the letter.
        """
        name = self.rule.timestamp_field
        if name is None:
            return None
        try:
            new_form = self._new(root)["/AcroForm"]
            refs = field_refs(new_form).get(name, [])
        except (KeyError, TypeError):
            refs = []
        if not refs or any(r not in new_keys for r in refs):
            self.problem(f"kolom stempel waktu {name} bukan kolom baru")
            return None
        field_obj = self._new(refs[0])
        value = field_obj.get("/V")
        if field_obj.get("/FT") != "/Sig" or value is None \
                or value.get_object().get("/Type") != "/DocTimeStamp":
            self.problem(f"kolom {name} bukan stempel waktu dokumen")
            return None
        for ref in refs:
            widget = self._new(ref)
            if "/Rect" in widget and "/AP" in widget and not _zero_area(widget["/Rect"]):
                self.problem(f"kolom stempel waktu {name} terlihat di halaman")
        return [generic.Reference(*r, pdf=self.after) for r in refs], set(refs)

    def _widget_added(self, old, new, widgets: set) -> bool:
        """Whether ``old`` -> ``new`` is a page gaining only these widgets in ``/Annots``
        (or its ``/Annots`` array itself gaining them)."""
        def annots(obj):
            value = obj.get("/Annots", generic.ArrayObject()) \
                if isinstance(obj, generic.DictionaryObject) else obj
            value = value.get_object() if isinstance(value, generic.IndirectObject) else value
            return [_ref_of(a) for a in value] if isinstance(value, generic.ArrayObject) \
                else None

        if isinstance(old, generic.DictionaryObject):
            if old.get("/Type") != "/Page" or changed_keys(old, new) != {"/Annots"}:
                return False
        elif not (isinstance(old, generic.ArrayObject) and isinstance(new, generic.ArrayObject)):
            return False
        before, after = annots(old), annots(new)
        if before is None or after is None:
            return False
        return after[:len(before)] == before and set(after[len(before):]) <= widgets \
            and len(after) > len(before)

    def _reachable(self, roots: Iterable, candidates: set[tuple[int, int]]) -> set:
        """The new objects reached from ``roots`` through new objects only."""
        reached: set[tuple[int, int]] = set()
        stack = list(roots)
        while stack:
            value = stack.pop()
            key = _ref_of(value)
            if key is not None:
                if key in reached or key not in candidates:
                    continue
                reached.add(key)
                value = self._new(key)
            stack.extend(_children(value))
        return reached


def _children(value) -> Iterator:
    if isinstance(value, generic.DictionaryObject):  # streams too
        yield from (value.raw_get(k) for k in value)
    elif isinstance(value, generic.ArrayObject):
        yield from value


def _zero_area(rect) -> bool:
    try:
        x0, y0, x1, y1 = (float(v) for v in rect)
    except (TypeError, ValueError):
        return False
    return x0 == x1 or y0 == y1


def _kind(obj) -> str:
    """A few words for what an object is (for a note: page, annotation, content, …)."""
    if isinstance(obj, generic.StreamObject):
        subtype = obj.get("/Subtype")
        return "gambar/tampilan" if subtype in ("/Form", "/Image") else "isi halaman"
    if isinstance(obj, generic.DictionaryObject):
        kind = obj.get("/Type")
        if kind == "/Page":
            return "halaman"
        if kind == "/Annot" or ("/Subtype" in obj and "/Rect" in obj):
            return "anotasi"
        if "/FT" in obj or "/T" in obj:
            return "kolom formulir"
        if kind in ("/Sig", "/DocTimeStamp"):
            return "tanda tangan"
        return "kamus"
    return "nilai"
