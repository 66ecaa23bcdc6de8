"""Near-duplicate detection: MinHash signatures over word shingles and a banded LSH index."""

from classifiers.neardup.lsh import NearDupIndex
from classifiers.neardup.minhash import (
    Signature,
    cluster_text,
    names_of,
    signature,
    text_signature,
)

__all__ = [
    "NearDupIndex",
    "Signature",
    "cluster_text",
    "names_of",
    "signature",
    "text_signature",
]
