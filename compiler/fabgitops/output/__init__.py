"""The write stage: compare the compiled tree with the output directory and apply it atomically.

``changes`` is pure (what would change); ``apply`` and ``lock`` are the only code that writes
the output directory.
"""
