"""Outputs: turn result objects into terminal tables and files.  Nothing here computes."""
