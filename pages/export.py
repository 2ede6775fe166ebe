"""Export page: every result of the last run as a file, built only when its button is clicked."""

import functools

import streamlit as st

from pe_core import export
from ui import exports, mapjobs, state
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state
st.title("Export")
st.caption(
    "Take the results elsewhere: a classifier that reads raw text, the trained rows as a small "
    "adapter, TensorBoard's Embedding Projector, GloVe files, CSV, and the map on the Explore "
    "page as a page that works offline. Each file is built when you click its button."
)
result = state.require_result("Nothing to export yet")
vectors = s.run_vectors
CLASSIFIER_FILE = "pe_lab_classifier.zip"


st.subheader("The model")
if result.model is None:
    st.warning(
        "This run's model was released to free memory, so the classifier and the .keras model "
        "cannot be exported: train again to export them.",
        icon=":material/warning:",
    )
else:
    exports.item(
        "Classifier that reads raw text (.zip)",
        f"The model with its vocabulary ({result.vocabulary.num_frozen:,} words, "
        f"{len(result.tokens)} trainable tokens), tokenizer rules and labels "
        f"({', '.join(map(str, result.label_names))}): feed it tweets, get probabilities. "
        "Three lines in Python, with PE Lab installed:",
        functools.partial(export.classifier_bundle_bytes, result),
        CLASSIFIER_FILE,
        "application/zip",
    )
    st.code(export.usage_snippet(CLASSIFIER_FILE), language="python")
    exports.item(
        "Keras model only (.keras)",
        "The model alone reads ids, not text; load it with "
        "`keras.saving.load_model(path, safe_mode=True)` after `import pe_core`.",
        functools.partial(export.model_keras_bytes, result),
        "pe_lab_model.keras",
        "application/octet-stream",
    )

st.subheader("The trained rows")
exports.item(
    "Adapter: only the trained rows (.zip)",
    f"{exports.adapter_size_text(result)}, whatever the vocabulary size: the "
    f"{len(result.tokens)} trainable tokens with their kinds, trained and initial rows "
    "(adapter.json + .npy, no pickle). Put them into any copy of the vectors with "
    "`pe_core.adapter.apply_adapter(vectors, load_adapter(path))`.",
    functools.partial(exports.adapter_zip, result),
    "pe_lab_adapter.zip",
    "application/zip",
)
exports.item(
    "Trained rows (GloVe text)",
    f"The {len(result.tokens)} trainable tokens at the last snapshot, one `token v1 … vd` "
    "line each.",
    functools.partial(export.trained_rows_glove, result),
    "pe_lab_trained_rows.txt",
    "text/plain",
)
exports.item(
    "GloVe file with the trained rows",
    f"All {len(vectors):,} pretrained words plus the new tokens appended (promoted words "
    "replaced in place): the adapter applied to the vectors.",
    functools.partial(export.glove_with_trained, vectors, result),
    "glove_with_trained.txt",
    "text/plain",
)
exports.item(
    "Embedding Projector bundle (.zip)",
    "vectors.tsv, metadata.tsv (word, kind, token, snapshot, step) and projector_config.pbtxt: "
    "the reference words and every token at every snapshot. Load it at "
    "projector.tensorflow.org.",
    functools.partial(exports.projector_zip, result, vectors),
    "pe_lab_projector.zip",
    "application/zip",
)
exports.item(
    "Trajectory (CSV)",
    "Every token at every snapshot: token, kind, snapshot, step, epoch, d0 … d(d-1).",
    functools.partial(export.trajectory_csv, result),
    "pe_lab_trajectory.csv",
    "text/csv",
)

st.subheader("The map on the Explore page")
mapjobs.collect()  # a map that finished in the background meanwhile
view, proj = exports.on_screen_projection()
# The label counts the words really drawn (a small vocabulary has fewer than the slider asks).
label = exports.view_label(view[0], view[1], min(view[2], len(vectors)))
slug = exports.view_slug(*view)
if proj is None:
    proj = exports.map_or_offer(view, label)
if proj is not None:
    exports.item(
        f"Projected coordinates: {label} (CSV)",
        "x, y per token and snapshot, with the nearest word and its cosine.",
        functools.partial(export.coordinates_csv, proj.frame),
        f"pe_lab_coordinates_{slug}.csv",
        "text/csv",
    )
    with shown_errors("Drawing the map"):
        figure = exports.on_screen_figure(proj)
        exports.item(
            f"Animated map: {label} (HTML)",
            "The map as Explore shows it (trails "
            f"{'on' if s.get('opt_trails', True) else 'off'}), as one standalone page that "
            "works offline (plotly.js embedded). It opens on the first snapshot; ▶ Play grows "
            "each token's trail as training went.",
            functools.partial(export.map_html, figure),
            f"pe_lab_map_{slug}.html",
            "text/html",
        )
