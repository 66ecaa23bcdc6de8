"""Model estimator, safe artifact storage, training and the loaded classifier."""
