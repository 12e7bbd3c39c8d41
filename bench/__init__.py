"""Benchmark harness: `make bench` (see bench/README.md). Never imported by the production settings."""
