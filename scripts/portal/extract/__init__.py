"""Stage 1: source text + recipes -> rows -> data packages."""
