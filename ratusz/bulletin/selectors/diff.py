"""The readable diff of two versions of an entry: paragraph by paragraph, and word by
word inside a changed paragraph; and what changed in the metryczka."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from django.utils.html import strip_tags

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|tr|blockquote|pre|figure|figcaption|caption|"
                        r"table|ul|ol)\s*>|<br\s*/?>|<hr\s*/?>", re.I)
_CELL_END = re.compile(r"</t[dh]\s*>", re.I)


def paragraphs(body: str) -> list[str]:
    """The text of sanitised HTML as paragraphs (tags stripped, entities decoded)."""
    text = _CELL_END.sub(" | ", body or "")
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(strip_tags(text))
    lines = [re.sub(r"\s+", " ", line).strip(" |") for line in text.split("\n")]
    return [line.strip() for line in lines if line.strip()]


@dataclass
class Piece:
    kind: str  # "equal", "insert", "delete"
    text: str


@dataclass
class DiffParagraph:
    kind: str  # "equal", "insert", "delete", "change"
    pieces: list[Piece]


def _words(old: str, new: str) -> list[Piece]:
    a, b = old.split(" "), new.split(" ")
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("equal", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("insert", " ".join(b[j1:j2])))
    return pieces


def diff(old_body: str, new_body: str) -> list[DiffParagraph]:
    """Paragraph by paragraph, and word by word inside a changed paragraph."""
    old, new = paragraphs(old_body), paragraphs(new_body)
    result: list[DiffParagraph] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result.extend(DiffParagraph("equal", [Piece("equal", p)]) for p in old[i1:i2])
        elif op == "delete":
            result.extend(DiffParagraph("delete", [Piece("delete", p)]) for p in old[i1:i2])
        elif op == "insert":
            result.extend(DiffParagraph("insert", [Piece("insert", p)]) for p in new[j1:j2])
        else:
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                result.append(DiffParagraph("change", _words(old[i1 + k], new[j1 + k])))
            result.extend(DiffParagraph("delete", [Piece("delete", p)])
                          for p in old[i1 + pairs:i2])
            result.extend(DiffParagraph("insert", [Piece("insert", p)])
                          for p in new[j1 + pairs:j2])
    return result


METADATA_LABELS = ["number", "act_date", "produced_by", "responsible", "produced_on",
                   "section", "attachments"]


def metadata_changes(old: dict, new: dict) -> list[dict]:
    changes = []
    for key in METADATA_LABELS:
        before, after = old.get(key), new.get(key)
        if before != after:
            if isinstance(before, list):
                before = ", ".join(before)
            if isinstance(after, list):
                after = ", ".join(after)
            changes.append({"key": key, "before": before or "", "after": after or ""})
    return changes
