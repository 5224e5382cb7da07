"""hw2v: skip-gram with negative sampling in pure NumPy, trained Hogwild-style across processes."""
__version__ = "0.1.0"
