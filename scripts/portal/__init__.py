"""Liaoning digital-development open-data portal: extraction, validation and site build."""

__version__ = "1.0.0"
