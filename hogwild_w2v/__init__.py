"""hw2v: skip-gram with negative sampling in pure NumPy, trained Hogwild-style across processes.

The Python API (the `hw2v` command line is a thin layer over the same calls):

    from hogwild_w2v import DEMO_CORPUS, TrainConfig, Vectors, preprocess, train
    preprocess([DEMO_CORPUS], "data", min_count=5)
    train("data", "out/vec", TrainConfig(epochs=5, workers=2))
    vec = Vectors.from_run("out/vec")
    vec.analogy("king", "woman", "man")
"""
import os

__version__ = "0.1.0"

from .config import TrainConfig  # noqa: E402
from .evaluate import BUNDLED as EVAL_SETS, evaluate_analogies, evaluate_pairs  # noqa: E402
from .preprocess import preprocess  # noqa: E402
from .trainer import train  # noqa: E402
from .vectors import Vectors  # noqa: E402

DEMO_CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpora", "demo.txt.gz")

__all__ = ["DEMO_CORPUS", "EVAL_SETS", "TrainConfig", "Vectors", "evaluate_analogies", "evaluate_pairs",
           "preprocess", "train", "__version__"]
