"""What one benchmark run shares between its steps: arguments, processes, servers, request lists."""

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bench.procs import Processes


@dataclass
class Run:
    args: argparse.Namespace
    procs: Processes
    tmp: Path
    env: dict
    rds: redis.Redis
    redis_port: int
    prep: dict = field(default_factory=dict)
    # (list name, cycle segment) -> file for bench/mix.lua; the last segment is for warm-ups and the cold start.
    lists: dict[tuple[str, int], Path] = field(default_factory=dict)
    requests: dict[str, list] = field(default_factory=dict)
    warm_file: Path | None = None
    stock_file: Path | None = None
    servers: dict[str, dict] = field(default_factory=dict)
    rounds: list[str] = field(default_factory=list)
    families: set[str] = field(default_factory=set)
    # Round or family -> why it was not measured; reported in the results, never replaced by a figure.
    not_measured: dict[str, str] = field(default_factory=dict)

    @property
    def cookie(self) -> str:
        return self.prep["session_cookie"]

    def skip(self, what: str, why: str) -> None:
        """Drop a family (and the rounds only it needs) from this run, recording why."""
        from bench.common import FAMILIES
        from bench.procs import log

        self.not_measured[what] = why
        self.families.discard(what)
        others = {r for f in self.families for r in FAMILIES.get(f, [])}
        self.rounds = [r for r in self.rounds if r in others or r not in FAMILIES.get(what, [])]
        log(f"not measured: {what}: {why}")
