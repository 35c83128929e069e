"""A Keras 2 training script: arguments Keras 3 rejects or silently ignores."""

import keras
from keras.optimizers import SGD

inputs = keras.Input(shape=(8,))
outputs = keras.layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)

# `lr` raises in Keras 3; `decay` would be ignored with a warning, changing the training.
model.compile(optimizer=SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True), loss="mse")

# Keras 2 trained Adadelta with learning rate 1.0; Keras 3's default is 0.001.
slow = keras.optimizers.Adadelta(epsilon=None)

# Keras 2.2's positional order: the third argument was `decay`.
positional = SGD(0.01, 0.9, 1e-6)
