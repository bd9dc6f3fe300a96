"""DOCX → PDF with LibreOffice: a warm, supervised unoserver, or a cold ``soffice`` per file.

Use :func:`make_converter` to get the one the configuration asks for; call
``start()`` once at start-up and ``stop()`` at shutdown.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Config
from pipeline.convert.base import ConversionError, Converter
from pipeline.convert.soffice import SofficeConverter
from pipeline.convert.unoserver import UnoserverConverter

__all__ = [
    "ConversionError",
    "Converter",
    "SofficeConverter",
    "UnoserverConverter",
    "make_converter",
]


def make_converter(config: Config, state_dir: Path) -> Converter:
    """The converter ``[converter]`` configures, keeping its files under ``state_dir``."""
    conv = config.converter
    if conv.mode == "soffice":
        return SofficeConverter(
            Path(state_dir) / "libreoffice" / "soffice", soffice=conv.soffice, timeout=conv.timeout
        )
    return UnoserverConverter(
        state_dir, uno_python=conv.uno_python, soffice=conv.soffice, timeout=conv.timeout
    )
