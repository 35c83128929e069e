"""TensorFlow 1 optimizers in eager code: optfix moves them to Keras 3 with the same math."""

import tensorflow as tf

# TF1 Adam's epsilon is 1e-8; Keras 3's is 1e-7: optfix writes the old value out.
optimizer = tf.compat.v1.train.AdamOptimizer(0.001, beta1=0.5)
fallback = tf.compat.v1.train.MomentumOptimizer(0.01, 0.9, use_nesterov=True)

# RMSProp changes its math in Keras 3 (its accumulator starts at 0, not 1): reported, and
# rewritten only with --unsafe-fixes.
experimental = tf.compat.v1.train.RMSPropOptimizer(0.001, decay=0.95)


def train_step(model, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss
