"""CI audit of (weekly) logs: window, statistics, baseline, gates."""
