"""The data model: the report registry and the package reader/writer every stage uses."""
