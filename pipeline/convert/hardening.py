"""LibreOffice settings for converting documents that came from outside.

The drafter's DOCX is checked before it reaches LibreOffice
(:mod:`pipeline.untrusted.draft_docx`), but a second line of defence costs
nothing: every profile our converters use is told never to update links
(linked images, ``INCLUDETEXT``/``LINK`` fields, OLE links), to block links
to untrusted places, and never to run macros. Without this, LibreOffice's
default for Writer ("update links on request") fetches a linked
``file:///`` or ``http://`` image during a headless conversion.

The settings go into the profile's ``user/registrymodifications.xcu`` before
LibreOffice first starts with it; LibreOffice keeps them when it rewrites the
file. A profile it already wrote is amended in place (our items replace any
of the same name).
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

# (path, property, type, value). Writer's Update/Link: 0 always, 1 on request, 2 never;
# Calc's: 0 always, 1 never, 2 on request (LibreOffice's own enums, officecfg schema).
SETTINGS: tuple[tuple[str, str, str, str], ...] = (
    ("/org.openoffice.Office.Writer/Content/Update", "Link", "int", "2"),
    ("/org.openoffice.Office.Calc/Content/Update", "Link", "int", "1"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks",
     "boolean", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "int", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution",
     "boolean", "true"),
)

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
         'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n')
_TAIL = "</oor:items>\n"


def _item(path: str, prop: str, kind: str, value: str) -> str:
    return (f'<item oor:path="{escape(path)}"><prop oor:name="{prop}" oor:op="fuse">'
            f'<value>{escape(value)}</value></prop></item>\n')


def harden_profile(profile: Path) -> Path:
    """Write our settings into the LibreOffice profile at ``profile``; returns the file."""
    xcu = Path(profile) / "user" / "registrymodifications.xcu"
    xcu.parent.mkdir(parents=True, exist_ok=True)
    ours = "".join(_item(*s) for s in SETTINGS)
    try:
        text = xcu.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    if "</oor:items>" not in text:
        xcu.write_text(_HEAD + ours + _TAIL, encoding="utf-8")
        return xcu
    if all(_item(*s) in text for s in SETTINGS):
        return xcu
    for path, prop, _kind, _value in SETTINGS:
        text = re.sub(
            rf'<item oor:path="{re.escape(path)}"><prop oor:name="{prop}"[^>]*>.*?</item>\s*',
            "", text, flags=re.S)
    xcu.write_text(text.replace("</oor:items>", ours + "</oor:items>", 1), encoding="utf-8")
    return xcu
