"""Export page: every result of the last run as a file."""

import functools

import streamlit as st

from pe_core import export
from ui import explore, state
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state
st.title("Export")
st.caption(
    "Take the results elsewhere: TensorBoard's Embedding Projector, GloVe files, CSV, "
    "the Keras model, and the animated map as a page that works offline."
)
result = state.require_result("Nothing to export yet")
vectors = s.run_vectors


def item(title: str, text: str, action: str, make, file_name: str, mime: str, *, lazy=False):
    """One download: a short explanation and a button; ``make`` builds the file's content."""
    with st.container(border=True):
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**{title}**  \n{text}")
        with right, shown_errors(action):
            # Large files are built only when clicked (deferred), the rest now.
            data = make if lazy else make()
            st.download_button(
                "Download",
                data,
                file_name=file_name,
                mime=mime,
                width="stretch",
                icon=":material/download:",
                on_click="ignore",
                key=f"dl_{file_name}",
            )


big = len(vectors) > 50_000
item(
    "Embedding Projector bundle (.zip)",
    "vectors.tsv, metadata.tsv (word, kind, token, snapshot, step) and projector_config.pbtxt: "
    "the reference words and every token at every snapshot. Load it at "
    "projector.tensorflow.org.",
    "Building the projector bundle",
    functools.partial(
        export.projector_bundle, result, vectors, explore.export_reference(result, vectors)
    ),
    "pe_lab_projector.zip",
    "application/zip",
    lazy=big,
)
item(
    "Trained rows (GloVe text)",
    f"The {len(result.tokens)} trainable tokens at the last "
    "snapshot, one `token v1 … vd` line each.",
    "Writing the trained rows",
    functools.partial(export.trained_rows_glove, result),
    "pe_lab_trained_rows.txt",
    "text/plain",
)
item(
    "GloVe file with the trained rows",
    f"All {len(vectors):,} pretrained words plus the new "
    "tokens appended (promoted words replaced in place).",
    "Writing the GloVe file",
    functools.partial(export.glove_with_trained, vectors, result),
    "glove_with_trained.txt",
    "text/plain",
    lazy=big,
)
item(
    "Trajectory (CSV)",
    "Every token at every snapshot: token, kind, snapshot, step, epoch, d0 … d(d-1).",
    "Writing the trajectory",
    functools.partial(export.trajectory_csv, result),
    "pe_lab_trajectory.csv",
    "text/csv",
)
projections = list(s.get("projections", {}).values())
if projections:
    proj = projections[-1]
    item(
        f"Projected coordinates, {proj.method} (CSV)",
        "x, y per token and snapshot, with the nearest word and its cosine.",
        "Writing the coordinates",
        functools.partial(export.coordinates_csv, proj.frame),
        "pe_lab_coordinates.csv",
        "text/csv",
    )
    item(
        f"Animated map, {proj.method} (HTML)",
        "The map with its play button as one "
        "standalone HTML file (plotly.js embedded, works offline).",
        "Writing the HTML map",
        functools.partial(export.map_html, explore.figure(proj)),
        "pe_lab_map.html",
        "text/html",
    )
else:
    st.info(
        "Open the Explore page once to add the projected coordinates and the HTML map.",
        icon=":material/info:",
    )
item(
    "Keras model (.keras)",
    "The trained classifier; load it with "
    "`keras.saving.load_model(path, safe_mode=True)` after `import pe_core.layers`.",
    "Saving the model",
    functools.partial(export.model_keras_bytes, result),
    "pe_lab_model.keras",
    "application/octet-stream",
    lazy=True,
)
