"""What optfix knows about optimizer APIs, as data: no libcst, no TensorFlow.

Every table here is checked against the installed Keras and TensorFlow by tests/test_knowledge.py.
"""
