"""Text pipeline: normalisation, stemming and lexicon features for Indonesian posts."""
