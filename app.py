"""PE Lab: entry point (page config, session defaults, navigation)."""

import streamlit as st

st.set_page_config(page_title="PE Lab", page_icon="🧭", layout="wide")
st.title("PE Lab")
st.write("Train only some word embeddings, and watch what that training does.")
