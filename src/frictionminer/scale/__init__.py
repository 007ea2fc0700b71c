"""Running the per-case stage at scale: the whole-log plan, case-hash shards, executors."""
