"""Tests of the seal stage (fabgitops.seal)."""
