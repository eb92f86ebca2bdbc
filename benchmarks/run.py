"""concgui benchmarks: speed claims live here, never as timing asserts in tests.

    python3 dev.py bench            # everything (a few minutes on 2 cores)
    python3 dev.py bench --quick    # smaller sizes, for a smoke check
    python3 dev.py bench --only engine,startup

Sections: engine (speedups), overhead (concgui vs bare executors and joblib), your-function (a
developer's function vs bare executors, predicted vs measured),
pool-start (call → first result per start method), tiny-tasks (100,000 µs
tasks and event batching), telemetry (CPU sampler cost), lessons (every built-in lesson's steps against
what this machine should give), dask (the dask mode against serial and a bare client.map), startup and cpu-plot
(these two need Qt and run it in a child process).

Each run writes ``<out>/bench-<time>.json`` and ``.md`` (a markdown table) and
prints the table. Figures are ratios measured side by side in one run on one
machine, which the report describes. The headless sections import no Qt, so they
also run on large machines with no display.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import sections  # noqa: E402
from benchmarks.report import Report, machine_description  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller workloads (smoke check, noisier)")
    p.add_argument("--only", default=",".join(sections.ALL), help=f"comma-separated: {','.join(sections.ALL)}")
    p.add_argument("--out", default=str(HERE.parent / ".bench-out"), help="folder for the JSON and markdown")
    args = p.parse_args(argv)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in sections.ALL]
    if unknown:
        print(f"benchmarks: error: unknown section {unknown[0]!r}; choose from {', '.join(sections.ALL)}",
              file=sys.stderr)
        return 2
    report = Report(machine_description())
    crashed = []
    for name in wanted:
        print(f"== {name}", flush=True)
        try:
            sections.ALL[name](report, quick=args.quick)
        except Exception as exc:  # one broken section must not lose the others' figures
            traceback.print_exc()
            crashed.append(name)
            report.add(name, "section", f"failed: {type(exc).__name__}: {exc}"[:300])
    from benchmarks.report import _load

    report.machine["load_avg_1m_end"] = _load()  # other work on the machine makes ratios noisier
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"bench-{stamp}.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    md = report.markdown()
    (out / f"bench-{stamp}.md").write_text(md)
    print()
    print(md)
    print(f"wrote {out / f'bench-{stamp}.json'} and .md")
    if crashed:
        print(f"benchmarks: error: section(s) crashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
