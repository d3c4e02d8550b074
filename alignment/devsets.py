"""Development sets and the harder variants built from them, for tests, benchmarks and fitting.

A development set is a folder of ``NAME.fr`` / ``NAME.en`` / ``NAME.gold`` documents (see
``../shared/data/README.md``). The aligner is fitted on such sets, so its figures on them flatter
it; these variants ask what a user's documents will ask:

- :func:`concatenated`: the documents shuffled and joined end to end until a side has N
  sentences — a long document whose path strays far from the diagonal, because each part drops
  and adds sentences unevenly (a report with a missing annex, a book);
- :func:`reparagraphed`: the paragraphs of one side merged or split at random, so that the two
  sides no longer paragraph alike (two editions of a novel);
- :func:`halves`: a fixed split of a set's documents, one half to fit on and one to report.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alignment.evaluate import BeadPair, parse_beads, sentence_lines


@dataclass(frozen=True, slots=True)
class Document:
    """One development document: both sides as file text (a sentence a line, blank lines
    between paragraphs) and its gold beads."""

    name: str
    fr: str
    en: str
    gold: list[BeadPair]

    @property
    def n_fr(self) -> int:
        return len(sentence_lines(self.fr))

    @property
    def n_en(self) -> int:
        return len(sentence_lines(self.en))


def load(folder: Path) -> list[Document]:
    """The documents of a set, in name order."""
    documents = []
    for gold in sorted(folder.glob("*.gold")):
        name = gold.name.removesuffix(".gold")
        documents.append(
            Document(
                name,
                (folder / f"{name}.fr").read_text(encoding="utf-8").strip("\n") + "\n",
                (folder / f"{name}.en").read_text(encoding="utf-8").strip("\n") + "\n",
                parse_beads(gold.read_text(encoding="utf-8")),
            )
        )
    if not documents:
        raise ValueError(f"{folder}: no NAME.gold documents")
    return documents


def concatenated(
    documents: Sequence[Document], french_sentences: int, seed: int | None = None
) -> Document:
    """The documents end to end (a blank line between two), in name order or shuffled with
    ``random.Random(seed)``, the list repeated until the French side has ``french_sentences``
    sentences (the document that reaches it is the last)."""
    order = list(documents)
    if seed is not None:
        random.Random(seed).shuffle(order)
    fr_parts: list[str] = []
    en_parts: list[str] = []
    gold: list[BeadPair] = []
    n_fr = n_en = 0
    while n_fr < french_sentences:
        for document in order:
            fr_parts.append(document.fr.strip("\n"))
            en_parts.append(document.en.strip("\n"))
            gold += [
                (tuple(i + n_fr for i in fr), tuple(j + n_en for j in en))
                for fr, en in document.gold
            ]
            n_fr += document.n_fr
            n_en += document.n_en
            if n_fr >= french_sentences:
                break
    name = f"concatenated-{french_sentences}-{'name-order' if seed is None else f'seed-{seed}'}"
    return Document(name, "\n\n".join(fr_parts) + "\n", "\n\n".join(en_parts) + "\n", gold)


def reparagraphed(
    document: Document, side: str, mode: str, seed: int = 0, rate: float = 0.5
) -> Document:
    """The document with the paragraphs of ``side`` ("fr" or "en") changed: ``mode`` "merge"
    joins each paragraph to the next with probability ``rate``; "split" breaks each paragraph
    of two sentences or more after a random sentence with probability ``rate``. The sentences,
    their order and the gold do not change."""
    if side not in ("fr", "en") or mode not in ("merge", "split"):
        raise ValueError("side is 'fr' or 'en', mode 'merge' or 'split'")
    rng = random.Random(f"{document.name}:{side}:{mode}:{seed}")
    paragraphs = _paragraphs(getattr(document, side))
    changed: list[list[str]] = []
    for paragraph in paragraphs:
        if mode == "merge":
            if changed and rng.random() < rate:
                changed[-1].extend(paragraph)
            else:
                changed.append(list(paragraph))
        elif len(paragraph) >= 2 and rng.random() < rate:
            cut = rng.randrange(1, len(paragraph))
            changed += [paragraph[:cut], paragraph[cut:]]
        else:
            changed.append(list(paragraph))
    text = "\n\n".join("\n".join(p) for p in changed) + "\n"
    fr, en = (text, document.en) if side == "fr" else (document.fr, text)
    return Document(f"{document.name}.{side}-{mode}", fr, en, document.gold)


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def halves(
    documents: Sequence[Document], by: str = "document"
) -> tuple[list[Document], list[Document]]:
    """A fixed split of a set into two halves: (fit, held out).

    ``by="document"``: a document goes to a half by a hash of its name, so the split does not
    depend on the order or on the other documents (for sets of many documents, such as the UN
    set). ``by="middle"``: every document is cut in two at the bead nearest its middle, the
    first part to fit on and the second to report (for sets of a few long documents, such as
    the literary set, where a split by document would leave whole authors out of one half).
    """
    fit, held_out = [], []
    for document in documents:
        if by == "middle":
            first, second = _cut_in_two(document)
            fit.append(first)
            held_out.append(second)
        elif by == "document":
            digest = hashlib.sha256(document.name.encode()).digest()
            (fit if digest[0] % 2 == 0 else held_out).append(document)
        else:
            raise ValueError("by is 'document' or 'middle'")
    return fit, held_out


def _cut_in_two(document: Document) -> tuple[Document, Document]:
    """The document as two: the beads up to the one that reaches half its French sentences,
    and the rest (a cut inside a paragraph makes a paragraph break on both sides)."""
    half = document.n_fr // 2
    k = 0
    fr_count = en_count = 0
    while k < len(document.gold) and fr_count < half:
        fr_count += len(document.gold[k][0])
        en_count += len(document.gold[k][1])
        k += 1
    fr_first, fr_second = _split_lines(document.fr, fr_count)
    en_first, en_second = _split_lines(document.en, en_count)
    gold_second = [
        (tuple(i - fr_count for i in fr), tuple(j - en_count for j in en))
        for fr, en in document.gold[k:]
    ]
    return (
        Document(f"{document.name}.1", fr_first, en_first, document.gold[:k]),
        Document(f"{document.name}.2", fr_second, en_second, gold_second),
    )


def _split_lines(text: str, sentences: int) -> tuple[str, str]:
    paragraphs = _paragraphs(text)
    first: list[list[str]] = []
    second: list[list[str]] = []
    seen = 0
    for paragraph in paragraphs:
        if seen >= sentences:
            second.append(paragraph)
        elif seen + len(paragraph) <= sentences:
            first.append(paragraph)
        else:
            cut = sentences - seen
            first.append(paragraph[:cut])
            second.append(paragraph[cut:])
        seen += len(paragraph)

    def text_of(parts: list[list[str]]) -> str:
        return "\n\n".join("\n".join(p) for p in parts) + "\n"

    return text_of(first), text_of(second)
