"""Streamlit helpers shared by the PE Lab pages.

``ui`` is the only place besides ``app.py`` and ``pages/`` that imports streamlit; the modules
``runs`` and ``paths`` hold the non-UI parts (run registry, data-directory paths) and are tested
without a browser.
"""
