"""Keras 2.2.4's optimizers, which no longer install, transcribed in numpy from the update rules in
its `keras/optimizers.py`, with its signatures and defaults: the Keras 2.2 side of the
keras2-optimizer proof (equivalence/), and what the Keras 2 column of optfix/knowledge/keras.py is
checked against (unit/)."""

from __future__ import annotations

import numpy as np

DTYPE = np.float64  # double precision: what differs between two runs is the math, not the rounding


class Keras2Optimizer:
    def __init__(self, **kwargs):
        for key in kwargs:
            if key not in ("clipnorm", "clipvalue"):
                raise TypeError("Unexpected keyword argument passed to optimizer: " + key)
        self.clipnorm, self.clipvalue = kwargs.get("clipnorm", 0), kwargs.get("clipvalue", 0)
        self.iterations, self.state = 0, None

    def step(self, params, grads):
        if self.clipnorm:
            norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
            grads = [g * DTYPE(self.clipnorm) / norm if norm >= self.clipnorm else g for g in grads]
        if self.clipvalue:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        lr = DTYPE(self.lr)
        if getattr(self, "decay", 0):
            lr = lr * DTYPE(1.0 / (1.0 + self.decay * self.iterations))
        if self.state is None:
            self.state = [self.slots(p) for p in params]
        for p, g, s in zip(params, grads, self.state):
            p[...] = self.update(p, g, s, lr, self.iterations + 1)
        self.iterations += 1


def _epsilon(epsilon):
    return DTYPE(1e-7 if epsilon is None else epsilon)


class SGD(Keras2Optimizer):
    def __init__(self, lr=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.momentum, self.decay, self.nesterov = lr, momentum, decay, nesterov

    def slots(self, p):
        return {"m": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        v = DTYPE(self.momentum) * s["m"] - lr * g
        s["m"] = v
        return p + DTYPE(self.momentum) * v - lr * g if self.nesterov else p + v


class RMSprop(Keras2Optimizer):
    def __init__(self, lr=0.001, rho=0.9, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.rho, self.epsilon, self.decay = lr, rho, _epsilon(epsilon), decay

    def slots(self, p):
        return {"a": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        s["a"] = DTYPE(self.rho) * s["a"] + DTYPE(1 - self.rho) * np.square(g)
        return p - lr * g / (np.sqrt(s["a"]) + self.epsilon)


class Adagrad(Keras2Optimizer):
    def __init__(self, lr=0.01, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.epsilon, self.decay = lr, _epsilon(epsilon), decay

    def slots(self, p):
        return {"a": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        s["a"] = s["a"] + np.square(g)
        return p - lr * g / (np.sqrt(s["a"]) + self.epsilon)


class Adadelta(Keras2Optimizer):
    def __init__(self, lr=1.0, rho=0.95, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.rho, self.epsilon, self.decay = lr, rho, _epsilon(epsilon), decay

    def slots(self, p):
        return {"a": np.zeros_like(p), "d": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        rho = DTYPE(self.rho)
        s["a"] = rho * s["a"] + (1 - rho) * np.square(g)
        step = g * np.sqrt(s["d"] + self.epsilon) / np.sqrt(s["a"] + self.epsilon)
        s["d"] = rho * s["d"] + (1 - rho) * np.square(step)
        return p - lr * step


class Adam(Keras2Optimizer):
    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, amsgrad=False, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.beta_1, self.beta_2, self.epsilon = lr, beta_1, beta_2, _epsilon(epsilon)
        self.decay, self.amsgrad = decay, amsgrad

    def slots(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p), "vhat": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        b1, b2 = DTYPE(self.beta_1), DTYPE(self.beta_2)
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * np.square(g)
        if self.amsgrad:
            s["vhat"] = np.maximum(s["vhat"], s["v"])
            return p - lr_t * s["m"] / (np.sqrt(s["vhat"]) + self.epsilon)
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + self.epsilon)


class Adamax(Keras2Optimizer):
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.beta_1, self.beta_2, self.epsilon, self.decay = lr, beta_1, beta_2, _epsilon(epsilon), decay

    def slots(self, p):
        return {"m": np.zeros_like(p), "u": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        b1, b2 = DTYPE(self.beta_1), DTYPE(self.beta_2)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return p - lr / (1 - b1**t) * s["m"] / (s["u"] + self.epsilon)


class Nadam(Keras2Optimizer):
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.beta_1, self.beta_2, self.epsilon = lr, beta_1, beta_2, _epsilon(epsilon)
        self.schedule_decay, self.m_schedule = schedule_decay, 1.0

    def slots(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def step(self, params, grads):
        t = self.iterations + 1
        self.cache = [self.beta_1 * (1 - 0.5 * 0.96 ** (k * self.schedule_decay)) for k in (t, t + 1)]
        super().step(params, grads)
        self.m_schedule *= self.cache[0]

    def update(self, p, g, s, lr, t):
        b1, b2 = DTYPE(self.beta_1), DTYPE(self.beta_2)
        now, following = (DTYPE(c) for c in self.cache)
        schedule_new, schedule_next = DTYPE(self.m_schedule) * now, DTYPE(self.m_schedule) * now * following
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * np.square(g)
        m_bar = (1 - now) * g / (1 - schedule_new) + following * s["m"] / (1 - schedule_next)
        return p - lr * m_bar / (np.sqrt(s["v"] / (1 - b2**t)) + self.epsilon)


KERAS2_CLASSES = (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam)


# Keras 2.3.1's constructors, on the same update rules (2.3 kept 2.2's math and defaults): learning
# rate first, then the class's own positional parameters; `lr` (which wins over `learning_rate`),
# `decay` and `epsilon` by keyword only, as its `kwargs.pop(...)` calls took them.
class SGD23(SGD):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(lr=kwargs.pop("lr", learning_rate), momentum=momentum, nesterov=nesterov, **kwargs)


class RMSprop23(RMSprop):
    def __init__(self, learning_rate=0.001, rho=0.9, **kwargs):
        super().__init__(lr=kwargs.pop("lr", learning_rate), rho=rho, **kwargs)


class Adagrad23(Adagrad):
    def __init__(self, learning_rate=0.01, **kwargs):
        super().__init__(lr=kwargs.pop("lr", learning_rate), **kwargs)


class Adadelta23(Adadelta):
    def __init__(self, learning_rate=1.0, rho=0.95, **kwargs):
        super().__init__(lr=kwargs.pop("lr", learning_rate), rho=rho, **kwargs)


class Adam23(Adam):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, amsgrad=False, **kwargs):
        super().__init__(lr=kwargs.pop("lr", learning_rate), beta_1=beta_1, beta_2=beta_2, amsgrad=amsgrad, **kwargs)


class Adamax23(Adamax):
    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, **kwargs):
        super().__init__(lr=kwargs.pop("lr", learning_rate), beta_1=beta_1, beta_2=beta_2, **kwargs)


class Nadam23(Nadam):
    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, **kwargs):
        super().__init__(lr=kwargs.pop("lr", learning_rate), beta_1=beta_1, beta_2=beta_2, **kwargs)


KERAS2_3_CLASSES = {cls.__base__.__name__: cls for cls in (SGD23, RMSprop23, Adagrad23, Adadelta23, Adam23, Adamax23, Nadam23)}
