"""Datasets, lexicons, seeds and labelled-corpus loading."""
