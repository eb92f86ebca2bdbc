"""Run each mode several times, interleaved, and keep every sample.

One sample decides nothing on a shared machine: a burst of someone else's
work can halve a run's speed. So a comparison runs its configs in rounds (S T P
S T P …), which spreads any drift over every mode alike, and folds each
config's samples into one :class:`~concgui.engine.compare.RunRecord`:

- ``wall_s`` is the **median** of the samples (one outlier cannot move it),
- ``samples_wall_s`` keeps them all, in the order they ran,
- ``spread`` is half their range relative to the median: the ± the verdict's
  rule (:mod:`concgui.engine.verdict`) allows for,
- ``other_load_cores`` is the median of the machine's other load during them.

Speedups are then taken between medians, against the serial record's.
The CLI, the window and the benchmarks all go through here.
"""

from __future__ import annotations

import statistics
from dataclasses import replace
from typing import Iterable, Sequence, TypeVar

from concgui.engine.compare import RunRecord
from concgui.engine.events import RunStatus

DEFAULT_REPEATS = 3
MAX_REPEATS = 20
T = TypeVar("T")


def interleave(configs: Sequence[T], repeats: int) -> list[tuple[int, int, T]]:
    """(round, index, config) in the order to run them: every config once per round."""
    return [(r, i, cfg) for r in range(repeats) for i, cfg in enumerate(configs)]


def spread(samples: Sequence[float]) -> float | None:
    """Half the range of ``samples`` relative to their median (None for fewer than two)."""
    if len(samples) < 2:
        return None
    mid = statistics.median(samples)
    return (max(samples) - min(samples)) / 2 / mid if mid > 0 else None


def combine(samples: Sequence[RunRecord]) -> RunRecord:
    """One record for the repeats of one config (the first run's id and inputs; median times).

    A repeat that did not finish makes the whole record its status (failed
    before cancelled); results match only if every repeat's digest is the same.
    """
    first = samples[0]
    bad = [s for s in samples if s.status != RunStatus.DONE.value]
    if bad:
        worst = next((s for s in bad if s.status == RunStatus.FAILED.value), bad[0])
        return replace(worst, run_id=first.run_id, samples_wall_s=tuple(s.wall_s for s in samples), spread=None)
    walls = [s.wall_s for s in samples]
    loads = [s.other_load_cores for s in samples if s.other_load_cores is not None]
    digests = {s.digest for s in samples}
    mid = statistics.median(walls)
    # The split of the sample nearest the median, so its parts add up to the wall time shown.
    nearest = min(samples, key=lambda s: abs(s.wall_s - mid))
    return replace(first, wall_s=mid, cpu_s=statistics.median(s.cpu_s for s in samples),
                   samples_wall_s=tuple(walls), spread=spread(walls),
                   other_load_cores=round(statistics.median(loads), 3) if loads else None,
                   digest=first.digest if len(digests) == 1 else None, split=nearest.split,
                   results_ok=None, speedup=None, efficiency=None,
                   gil_notes=tuple(dict.fromkeys(n for s in samples for n in s.gil_notes)))


def with_speedups(records: Iterable[RunRecord]) -> list[RunRecord]:
    """``records`` with speedup, efficiency and result checks against the serial record of the same inputs."""
    recs = list(records)
    out = []
    for r in recs:
        base = next((b for b in recs if b.is_serial_baseline and b.same_inputs(r)), None)
        if r.status != RunStatus.DONE.value or base is None:
            out.append(replace(r, speedup=None, efficiency=None, results_ok=None))
            continue
        speedup = base.wall_s / r.wall_s if r.wall_s > 0 else None
        ok = r.digest is not None and r.digest == base.digest
        out.append(replace(r, speedup=speedup, efficiency=None if speedup is None else speedup / r.workers,
                           results_ok=ok))
    return out


def summarize(samples: Iterable[tuple[int, RunRecord]]) -> list[RunRecord]:
    """Fold (config index, sample record) pairs into one record per config, in config order, with speedups."""
    by_index: dict[int, list[RunRecord]] = {}
    for i, rec in samples:
        by_index.setdefault(i, []).append(rec)
    return with_speedups(combine(by_index[i]) for i in sorted(by_index))
