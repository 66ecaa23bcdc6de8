"""Near-duplicate detection: MinHash signatures over word shingles and a banded LSH index."""

from classifiers.neardup.lsh import (
    MAX_CANDIDATES,
    NearDupIndex,
    stored_band_keys,
    stored_band_keys_many,
)
from classifiers.neardup.minhash import (
    NUM_PERM,
    Signature,
    cluster_text,
    names_of,
    packed_values,
    readable,
    signature,
    text_signature,
    text_signatures,
)

__all__ = [
    "MAX_CANDIDATES",
    "NUM_PERM",
    "NearDupIndex",
    "Signature",
    "cluster_text",
    "names_of",
    "packed_values",
    "readable",
    "signature",
    "stored_band_keys",
    "stored_band_keys_many",
    "text_signature",
    "text_signatures",
]
