"""Executable proofs that a rewrite keeps the math: legacy optimizers run as written, Keras 3 ones as rewritten."""
