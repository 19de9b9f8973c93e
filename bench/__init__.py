"""netsite's benchmark: ``python -m bench.run`` (bench/README.md)."""
