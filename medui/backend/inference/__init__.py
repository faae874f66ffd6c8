"""Inference: model variants and loading, decoding (constraint, copying, grammars), engines local and served."""
