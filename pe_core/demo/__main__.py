"""``python -m pe_core.demo``: refit the demo vectors and rewrite the shipped file."""

from pe_core.demo.fit import write_shipped_vectors

print(f"wrote {write_shipped_vectors()}")
