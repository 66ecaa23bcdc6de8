"""Posts for `waspada bench cluster`: real circulating claims, their edited copies, look-alikes.

Everything is derived at run time from the public BDC 2020 claim texts (`narasi`); nothing
is stored in the repository.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

BDC = Path("bdc2020_mafindo_hoax/data_latih_bdc.csv")
HEADLINES = Path("hoax_pilpres2024_headlines/data_berita.csv")
MIN_WORDS = 15
HEADERS = ("Diteruskan:", "*Info dari grup sebelah*", "Copas dari WAG", "PENTING!!", "Fwd:")
FOOTERS = ("Sebarkan!!", "share sebanyak2nya", "🙏🙏🙏", "semoga bermanfaat", "viralkan")
SLANG = {"yang": "yg", "tidak": "tdk", "untuk": "utk", "dengan": "dgn", "sudah": "udah"}
NAMES = (
    "Budi Santoso", "Siti Aminah", "Agus Salim", "Dewi Lestari", "Joko Susilo", "Rina Marlina",
    "Hendra Wijaya", "Sri Wahyuni", "Bambang Prakoso", "Nur Hidayat", "Yusuf Mansur",
    "Ratna Sari", "Andi Pratama", "Wahyu Nugroho", "Fitri Handayani", "Eko Saputra",
)  # fmt: skip
_NAME = re.compile(r"\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*\b")
_NUMBER = re.compile(r"\b\d[\d.,]*\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Item:
    """A labelled post: its text, the message it copies, and what kind of item it is."""

    text: str
    group: int
    kind: str  # original, copy, template (same template, other names), quote (shares a quote)


def claim_texts(root: Path) -> list[str]:
    """Return distinct BDC claim texts long enough to be forwarded as messages."""
    path = root / BDC
    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path}")
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        texts = [r["narasi"].strip() for r in csv.DictReader(fh)]
    return [t for t in dict.fromkeys(texts) if len(t.split()) >= MIN_WORDS]


def headline_texts(root: Path) -> list[str]:
    """Return ordinary news headlines (short unrelated posts)."""
    path = root / HEADLINES
    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        return [r["Judul Artikel"] for r in csv.DictReader(fh) if r["Berita_Hoax"] == "False"]


def edit(text: str, rng: random.Random) -> str:
    """Return a forwarded copy with the small edits chat forwards pick up."""
    words = text.split()
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        i = rng.randrange(len(words))
        if op < 0.35:
            words[i] = SLANG.get(words[i].lower(), words[i].upper())
        elif op < 0.6 and len(words[i]) > 3:
            w = words[i]
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # a swapped-letter typo
        elif op < 0.8:
            words.insert(i, rng.choice(("nih", "loh", "ya", "!!", "😡")))
        elif len(words) > MIN_WORDS:
            del words[i]
    out = " ".join(words)
    if rng.random() < 0.5:
        out = f"{rng.choice(HEADERS)} {out}"
    if rng.random() < 0.5:
        out = f"{out} {rng.choice(FOOTERS)}"
    return out


def rename(text: str, rng: random.Random) -> str | None:
    """Return the same template with other names and numbers, or None if it has too few."""
    names = list(dict.fromkeys(_NAME.findall(text)))[1:]  # the first is often a sentence start
    numbers = list(dict.fromkeys(_NUMBER.findall(text)))
    if len(names) + len(numbers) < 2:
        return None
    out = text
    for name in names:
        out = re.sub(rf"\b{re.escape(name)}\b", rng.choice(NAMES), out)
    for number in numbers:
        out = re.sub(rf"\b{re.escape(number)}\b", str(rng.randint(2, 999)), out)
    return out if out != text else None


def longest_sentence(text: str) -> str:
    """Return the text's longest sentence (what a reply quotes)."""
    return max(_SENTENCE.split(text), key=lambda s: len(s.split()))


def labelled_set(root: Path, messages: int = 300, seed: int = 11) -> list[Item]:
    """Build near-copies (same group) and look-alikes (their own groups) of real claims.

    Look-alikes: the same template with other names and numbers, and a different message
    that quotes a long sentence of the original.
    """
    rng = random.Random(seed)
    texts = claim_texts(root)
    rng.shuffle(texts)
    chosen, others = texts[:messages], texts[messages:]
    items: list[Item] = []
    group = 0
    for text in chosen:
        items.append(Item(text, group, "original"))
        items.extend(Item(edit(text, rng), group, "copy") for _ in range(rng.randint(2, 4)))
        renamed = rename(text, rng)
        if renamed is not None:
            group += 1
            items.append(Item(renamed, group, "template"))
        quote = longest_sentence(text)
        if len(quote.split()) >= 10 and others:
            group += 1
            reply = rng.choice(others)
            items.append(Item(f'{reply} Katanya: "{quote}"', group, "quote"))
        group += 1
    rng.shuffle(items)
    return items


def stream(root: Path, n: int, seed: int = 7, copy_share: float = 0.3) -> list[str]:
    """Return n posts: real claims and headlines, with a share of edited copies of earlier ones."""
    rng = random.Random(seed)
    pool = claim_texts(root) + headline_texts(root)
    out: list[str] = []
    while len(out) < n:
        if out and rng.random() < copy_share:
            out.append(edit(rng.choice(out), rng))
        else:
            base = rng.choice(pool)
            # Vary the originals too so a long run is not a few thousand texts repeated.
            out.append(edit(base, rng) if len(out) >= len(pool) else base)
    return out


_FIRST = ["Budi", "Siti", "Agus", "Dewi", "Rudi", "Wati", "Joko", "Rina", "Hendra", "Yanti"]
_LAST = ["Santoso", "Lestari", "Saputra", "Wulandari", "Hidayat", "Pratama", "Kurniawan"]
_PLACES = ["Sukamaju", "Mekarsari", "Sidorejo", "Karanganyar", "Tanjungsari", "Pasirjaya"]


def template_flood(n: int, seed: int = 7) -> list[str]:
    """One hoax template filled with different names and numbers (the issue 13 flood)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {i}"
        place = f"{rng.choice(_PLACES)} {rng.randint(1, 99)}"
        out.append(
            f"Warga bernama {name} di desa {place} RT {rng.randint(1, 30)} menerima amplop "
            f"berisi uang Rp {rng.randint(50, 500)}.000 dari tim sukses calon nomor urut "
            f"{rng.randint(1, 3)} agar memilihnya saat pencoblosan tanggal {rng.randint(1, 28)} "
            f"nanti, sebarkan agar semua warga tahu kecurangan ini sebelum terlambat"
        )
    return out
