"""Write the Keras fixtures of tests/test_importers.py with real Keras 3.

Run once (Keras 3 on the PyTorch backend; no TensorFlow or JAX needed)::

    pip install keras
    KERAS_BACKEND=torch python tests/data/models/make_keras_fixtures.py

It writes, next to this script:

seq.keras, seq.h5
    Sequential, float64: Input(3) → Dense(4, sigmoid) → Dropout →
    Dense(5, no bias) → Activation(tanh) → Dense(6) → ReLU → Flatten →
    Dense(2); as a Keras 3 archive and in the legacy HDF5 format.
functional.keras, functional.h5
    Functional chain, float32: Input(3) → Dense(4, relu) → Dense(2).
conv.keras
    Input(4, 4, 1) → Conv2D(1, 2) → Flatten → Dense(1): the smallest CNN.
cnn.keras, cnn.h5
    Sequential CNN, float32: Input(11, 11, 2) → Conv2D(4, 3) →
    BatchNormalization (moving statistics set near the data's) →
    Activation(relu) → MaxPooling2D(2, padding="same") → Conv2D(3, 3,
    strides=2, padding="same", tanh) → AveragePooling2D(2, strides=1,
    padding="same") → Flatten → Dropout → Dense(5, softmax).
reference.npz
    ``x`` (inputs of the dense models), ``x_<stem>`` (inputs of the image
    models, shaped (T, H, W, C)) and ``y_<file stem>`` (Keras' ``predict``
    outputs).

The tests read these files without Keras; with Keras importable they also
regenerate the models and compare (``test_keras_regenerated``).
"""

from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = np.linspace(-1.5, 1.5, 24).reshape(8, 3)
IMAGES = {"conv": np.random.default_rng(4).uniform(0, 1, (6, 4, 4, 1)),
          "cnn": np.random.default_rng(11).uniform(0, 1, (7, 11, 11, 2))}


def build_models(keras, seed: int = 7) -> dict:
    """The fixture models, with nonzero random biases, keyed by file stem."""
    keras.utils.set_random_seed(seed)
    L = keras.layers
    rnd = keras.initializers.RandomNormal(stddev=0.5, seed=seed)
    f64 = "float64"
    seq = keras.Sequential([
        keras.Input((3,), dtype=f64),
        L.Dense(4, activation="sigmoid", bias_initializer=rnd, dtype=f64),
        L.Dropout(0.3, dtype=f64),
        L.Dense(5, use_bias=False, dtype=f64),
        L.Activation("tanh", dtype=f64),
        L.Dense(6, bias_initializer=rnd, dtype=f64),
        L.ReLU(dtype=f64),
        L.Flatten(dtype=f64),
        L.Dense(2, bias_initializer=rnd, dtype=f64),
    ], name="seq")
    inp = keras.Input((3,))
    h = L.Dense(4, activation="relu", bias_initializer=rnd)(inp)
    out = L.Dense(2, bias_initializer=rnd)(h)
    functional = keras.Model(inp, out, name="functional")
    conv = keras.Sequential([keras.Input((4, 4, 1)), L.Conv2D(1, 2), L.Flatten(), L.Dense(1)], name="conv")
    cnn = keras.Sequential([
        keras.Input((11, 11, 2)),
        L.Conv2D(4, 3, bias_initializer=rnd),
        L.BatchNormalization(),
        L.Activation("relu"),
        L.MaxPooling2D(2, padding="same"),
        L.Conv2D(3, 3, strides=2, padding="same", activation="tanh", bias_initializer=rnd),
        L.AveragePooling2D(2, strides=1, padding="same"),
        L.Flatten(),
        L.Dropout(0.3),
        L.Dense(5, activation="softmax", bias_initializer=rnd),
    ], name="cnn")
    # moving statistics near those of the first convolution's outputs, so that the relu is alive
    rng = np.random.default_rng(seed)
    h = keras.ops.convert_to_numpy(cnn.layers[0](IMAGES["cnn"].astype("float32"))).reshape(-1, 4)
    cnn.layers[1].set_weights([rng.uniform(0.5, 2.0, 4), rng.normal(0, 0.3, 4),
                               h.mean(axis=0) + rng.normal(0, 0.1, 4), h.var(axis=0) * rng.uniform(0.5, 1.5, 4)])
    return {"seq": seq, "functional": functional, "conv": conv, "cnn": cnn}


def write(outdir: str, keras) -> dict:
    """Save the models and their reference outputs into ``outdir``; return the models."""
    import warnings

    models = build_models(keras)
    ref = {"x": INPUTS}
    for stem, m in models.items():
        m.save(os.path.join(outdir, f"{stem}.keras"))
        if stem != "conv":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.save(os.path.join(outdir, f"{stem}.h5"))  # legacy HDF5 format
        x = IMAGES.get(stem, INPUTS)
        if stem in IMAGES:
            ref[f"x_{stem}"] = x
        ref[f"y_{stem}"] = np.asarray(m.predict(x.astype(m.inputs[0].dtype), verbose=0), dtype=np.float64)
    np.savez(os.path.join(outdir, "reference.npz"), **ref)
    return models


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    write(HERE, keras)
    sizes = {f: os.path.getsize(os.path.join(HERE, f)) for f in sorted(os.listdir(HERE))}
    print(f"keras {keras.__version__} ({keras.backend.backend()}): wrote", sizes, file=sys.stderr)
