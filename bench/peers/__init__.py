"""
The peers netsite is measured against: each a small program doing the same
job as one netsite interface with less (or other) machinery. bench/README.md
says what each stands for.
"""
