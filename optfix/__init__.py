"""optfix: rewrite legacy TensorFlow/Keras optimizer code into Keras 3, keeping the math."""

__version__ = "0.1.0"
