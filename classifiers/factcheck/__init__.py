"""Matching posts to known debunks: normalised n-gram index, calibrated matcher, evaluation."""

from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import FactCheckMatcher

__all__ = ["FactCheckEntry", "FactCheckIndex", "FactCheckMatcher"]
