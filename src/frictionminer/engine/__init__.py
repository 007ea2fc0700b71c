"""The friction engine: classify, paths, measures, score, rules, causes, and the pipeline."""
