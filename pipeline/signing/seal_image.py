"""The seal's picture, converted to PDF image streams once per process, then reused.

pyHanko's :class:`~pyhanko.pdf_utils.images.PdfImage` converts the picture
for every file it is embedded in: it splits off the alpha channel, converts
the colours and deflates both (for the 600 x 600 demo seal, about 8 MB of
temporary buffers and a sizeable part of a seal's time). The result is the
same every time, so :func:`prepared_seal_image` has pyHanko convert it once,
into a scratch document, and :class:`PreparedImage` writes those encoded
streams as they are into each letter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.images import PdfImage, pil_image
from pyhanko.pdf_utils.writer import PdfFileWriter

from pipeline.signing.signature import SigningFailed

__all__ = ["EncodedImage", "PreparedImage", "prepared_seal_image"]

_LENGTH = generic.pdf_name("/Length")
_SMASK = generic.pdf_name("/SMask")


@dataclass(frozen=True)
class EncodedImage:
    """One image XObject as pyHanko encoded it: its entries, its deflated data, its mask."""

    entries: tuple[tuple[generic.NameObject, generic.PdfObject], ...]
    data: bytes
    smask: EncodedImage | None
    width: int
    height: int

    @classmethod
    def of(cls, stream: generic.StreamObject) -> EncodedImage:
        smask = stream.get(_SMASK)
        return cls(
            entries=tuple((k, v) for k, v in stream.items() if k not in (_LENGTH, _SMASK)),
            data=stream.encoded_data,
            smask=cls.of(smask.get_object()) if smask is not None else None,
            width=int(stream["/Width"]),
            height=int(stream["/Height"]),
        )

    def write(self, writer) -> generic.IndirectObject:
        """Add this image (and its mask first) to ``writer``; the image's reference."""
        entries = dict(self.entries)
        if self.smask is not None:
            entries[_SMASK] = self.smask.write(writer)
        return writer.add_object(generic.StreamObject(entries, encoded_data=self.data))


class PreparedImage(PdfImage):
    """A :class:`PdfImage` whose XObject is an :class:`EncodedImage`, written as it is."""

    def __init__(self, encoded: EncodedImage, **kwargs):
        self.encoded = encoded
        # PdfImage reads only the size from its picture, for the default box.
        super().__init__(_Size(encoded.width, encoded.height), **kwargs)  # type: ignore[arg-type]

    @property
    def image_ref(self) -> generic.IndirectObject:
        assert self.writer is not None
        ref = self._image_ref
        if ref is None or ref.get_pdf_handler() is not self.writer:
            self._image_ref = ref = self.encoded.write(self.writer)
        return ref


@dataclass(frozen=True)
class _Size:
    width: int
    height: int


def prepared_seal_image(path: Path) -> EncodedImage:
    """The picture at ``path``, encoded once while the file is unchanged (``SigningFailed``
    when it is missing or unreadable)."""
    try:
        st = path.stat()
    except OSError:
        raise SigningFailed(f"gambar cap dinas {path} tidak ditemukan") from None
    return _encode(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _encode(path: Path, _mtime_ns: int, _size: int) -> EncodedImage:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            scratch = PdfFileWriter()
            return EncodedImage.of(pil_image(img, scratch).get_object())
    except (OSError, UnidentifiedImageError, ValueError, NotImplementedError) as exc:
        raise SigningFailed(f"gambar cap dinas {path} tidak dapat dibaca ({exc})") from None
