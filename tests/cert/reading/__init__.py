"""Reading what exists: the corpus, planted faults, fast paths, algorithms, keys, extensions."""
