"""Export page: every result of the last run as a file, built only when its button is clicked."""

import functools

import streamlit as st

from pe_core import export
from ui import explore, exports, mapjobs, state
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


def item(title: str, text: str, make, file_name: str, mime: str) -> None:
    """One download: a short explanation and a button; ``make()`` builds the file on click."""
    with st.container(border=True):
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**{title}**  \n{text}")
        right.download_button(
            "Download",
            make,  # a callable: run only when clicked, never on a rerun
            file_name=file_name,
            mime=mime,
            width="stretch",
            icon=":material/download:",
            on_click="ignore",
            key=f"dl_{file_name}",
        )


def projector_zip() -> bytes:
    return export.projector_bundle(result, vectors, explore.export_reference(result, vectors))


def adapter_zip() -> bytes:
    return export.adapter_bytes(export.adapter_from_result(result))


st.subheader("The model")
if result.model is None:
    st.warning(
        "This run's model was released to free memory, so the classifier and the .keras model "
        "cannot be exported: train again to export them.",
        icon=":material/warning:",
    )
else:
    item(
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
    item(
        "Keras model only (.keras)",
        "The model alone reads ids, not text; load it with "
        "`keras.saving.load_model(path, safe_mode=True)` after `import pe_core`.",
        functools.partial(export.model_keras_bytes, result),
        "pe_lab_model.keras",
        "application/octet-stream",
    )

st.subheader("The trained rows")
item(
    "Adapter: only the trained rows (.zip)",
    f"{exports.adapter_size_text(result)}, whatever the vocabulary size: the "
    f"{len(result.tokens)} trainable tokens with their kinds, trained and initial rows "
    "(adapter.json + .npy, no pickle). Put them into any copy of the vectors with "
    "`pe_core.adapter.apply_adapter(vectors, load_adapter(path))`.",
    adapter_zip,
    "pe_lab_adapter.zip",
    "application/zip",
)
item(
    "Trained rows (GloVe text)",
    f"The {len(result.tokens)} trainable tokens at the last snapshot, one `token v1 … vd` "
    "line each.",
    functools.partial(export.trained_rows_glove, result),
    "pe_lab_trained_rows.txt",
    "text/plain",
)
item(
    "GloVe file with the trained rows",
    f"All {len(vectors):,} pretrained words plus the new tokens appended (promoted words "
    "replaced in place): the adapter applied to the vectors.",
    functools.partial(export.glove_with_trained, vectors, result),
    "glove_with_trained.txt",
    "text/plain",
)
item(
    "Embedding Projector bundle (.zip)",
    "vectors.tsv, metadata.tsv (word, kind, token, snapshot, step) and projector_config.pbtxt: "
    "the reference words and every token at every snapshot. Load it at "
    "projector.tensorflow.org.",
    projector_zip,
    "pe_lab_projector.zip",
    "application/zip",
)
item(
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
offer = (
    f"The Explore page is set to {label}, and that map has not been computed yet, so its "
    "coordinates and animated map cannot be exported."
)
if proj is None and view[0] == "PCA":  # exact and quick: computed here when asked
    place = st.empty()  # the offer goes away once the map exists
    with place.container():
        st.info(offer, icon=":material/info:")
        clicked = st.button("Compute the PCA map", type="primary")
    if clicked:
        with shown_errors("Computing the PCA map", "Try fewer reference words on Explore."):
            proj = explore.compute(*view, None)
            place.empty()
elif proj is None:  # t-SNE / UMAP: in the background, with its progress
    mapjobs.show(explore.projection_key(*view), *view, offer=offer)
if proj is not None:
    item(
        f"Projected coordinates: {label} (CSV)",
        "x, y per token and snapshot, with the nearest word and its cosine.",
        functools.partial(export.coordinates_csv, proj.frame),
        f"pe_lab_coordinates_{slug}.csv",
        "text/csv",
    )
    with shown_errors("Drawing the map"):
        figure = exports.on_screen_figure(proj)
        item(
            f"Animated map: {label} (HTML)",
            "The map as Explore shows it (trails "
            f"{'on' if s.get('opt_trails', True) else 'off'}), as one standalone page that "
            "works offline (plotly.js embedded). It opens on the first snapshot; ▶ Play grows "
            "each token's trail as training went.",
            functools.partial(export.map_html, figure),
            f"pe_lab_map_{slug}.html",
            "text/html",
        )
