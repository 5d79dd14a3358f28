"""RQ workers: the entry point, job functions and the periodic schedule."""
