"""Every stored mix of a bench world as JSON, to compare two versions of the mixes job on the same world.

`python -m bench.discovery.mixes_dump --db /work/data/world.db --out before.json` after a run of
`bench.discovery.mixes --db ...` with one version, again with the other, then `cmp before.json after.json`:
the same bytes mean every listener got the same mixes (kind, slot, title, description, tracks in order).
Plain sqlite3, so it reads a world whatever the version of the code that built it.
"""

import argparse
import json
import sqlite3
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT user_id, kind, slot, title, description, track_ids FROM discovery_mixes ORDER BY user_id, kind, slot"
    ).fetchall()
    con.close()
    args.out.write_text(json.dumps(rows))
    print(f"{len(rows)} mixes of {len({r[0] for r in rows})} listeners -> {args.out}")


if __name__ == "__main__":
    main()
