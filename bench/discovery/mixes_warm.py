"""A listener's own cost in the mixes job once the run's caches are warm.

`python -m bench.discovery.mixes_warm --db WORLD --listeners 200 [--profile N]` builds listeners 1..N twice with one
`discovery.Shared` (as one part of the daily run shares it): the first pass pays the run's warm-up (catalogue facts,
neighbours, availability of the tracks they touch), the second is each listener's own reads and work. Prints CPU
per listener of both passes (`time.process_time`); `--profile N` prints cProfile's top N of the second pass.
The world is a bench world (`bench.discovery.world`); its mixes are rewritten.
"""

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from bench.discovery.world import NOW
from encore import discovery
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--listeners", type=int, default=200)
    p.add_argument("--profile", type=int, default=0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        c = build(Settings(mode="dev", data_dir=Path(tmp), database_url=f"sqlite:///{args.db}"))
        shared = discovery.Shared()
        users = range(1, args.listeners + 1)

        def one_pass() -> float:
            cpu = time.process_time()
            for user in users:
                with transaction(c.sessions) as s:
                    discovery.build_mixes(s, user_id=user, now=NOW, shared=shared)
            return time.process_time() - cpu

        first = one_pass()
        profile = cProfile.Profile(time.process_time) if args.profile else None
        if profile:
            profile.enable()
        warm = one_pass()
        if profile:
            profile.disable()
        c.close()
    n = len(users)
    print(f"{n} listeners: first pass {first / n * 1000:.1f} ms CPU per listener, warm pass {warm / n * 1000:.1f} ms")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
