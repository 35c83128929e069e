"""A small Keras training script with the optimizer slips optfix fixes."""

import tensorflow as tf
from tensorflow import keras

inputs = keras.Input(shape=(8,))
outputs = keras.layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)

# Misspelled names fail only when the model is compiled.
model.compile(optimizer='Adgrad', loss="mse")
model.compile("sdg", loss="mse", metrics=["mae"])
fallback = tf.keras.optimizers.get("Adam()")

# Ambiguous: adam, adamax or adamw? optfix asks a person.
model.compile(optimizer="adamx", loss="mse")

# Valid in any letter case: left as written.
model.compile(optimizer="RMSProp", loss="mse")
