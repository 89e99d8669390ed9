"""The indicator layer: registry of indicators and the fact table built from every package."""
