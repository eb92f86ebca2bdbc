"""Who ran what, when: task spans per worker, Qt-free.

Two halves:

- :class:`SpanCollector` folds one run's events on the thread that runs the
  engine (the GUI's run driver) and hands over *only what is new* with
  :meth:`~SpanCollector.drain`, as one immutable :class:`SpanBatch`. The
  driver drains it when it sends a coalesced progress snapshot (≤ 10 Hz), so
  100,000 tasks become a few hundred batches, never 100,000 signals. Tasks
  arrive already folded (:class:`~concgui.engine.events.TasksFinished`,
  arrays), so collecting costs O(1) per fold and the store adds each fold's
  columns with numpy: no Python work per task anywhere on the way.
- :class:`TimelineStore` keeps the spans of the session per worker lane in
  growable numpy arrays, and answers what a view needs: the bars to draw for
  a time range at a given resolution (adjacent bars closer than one pixel are
  merged, so the number drawn is bounded by the plot's width, not by the task
  count), and the task under the mouse. The merged bars are kept per lane and
  extended with each fold (:class:`MergedBars`), so a view that redraws 3–10
  times a second pays for the tasks that are new, not again for every task
  on screen: 800,000 visible tasks cost ~50 ms a redraw otherwise.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from typing import Sequence, cast

import numpy as np

from concgui.engine.events import Event, RunFinished, RunStarted, TasksFinished, TaskStarted, WorkerStarted

#: Spans kept per lane; past this, the oldest are dropped down to nine tenths of it.
MAX_SPANS_PER_LANE = 2_000_000
#: A lane's column past this many tasks takes the room for the lane's cap at once (see _Grow).
RESERVE_FROM = 65_536
#: A lane's merged bars start again at the view once this many tasks lie before it (see TimelineStore.bars).
MERGED_REBUILD_TASKS = 200_000


@dataclass(frozen=True, slots=True)
class SpanBatch:
    """What one run did since the previous batch."""

    run_id: int
    finished: tuple[TasksFinished, ...]  # folds of tasks that ended (arrays of ids, starts, ends, CPU times)
    running: tuple[TaskStarted, ...]  # tasks in flight now, one per busy worker
    workers: tuple[WorkerStarted, ...]  # workers that announced themselves
    started: RunStarted | None = None  # set in the run's first batch
    ended: RunFinished | None = None  # set in its last

    def __bool__(self) -> bool:
        return bool(self.finished or self.running or self.workers or self.started or self.ended)

    @property
    def tasks(self) -> int:
        """How many tasks ended in this batch."""
        return sum(len(f) for f in self.finished)


class SpanCollector:
    """Accumulates one run's spans between two :meth:`drain` calls (one thread only). O(1) per event."""

    def __init__(self) -> None:
        self._finished: list[TasksFinished] = []
        self._running: dict[str, TaskStarted] = {}
        self._workers: list[WorkerStarted] = []
        self._started: RunStarted | None = None
        self._ended: RunFinished | None = None
        self._run_id = 0
        self._running_changed = False

    def apply(self, ev: Event) -> None:
        if isinstance(ev, TasksFinished):
            self._finished.append(ev)
            if ev.worker in self._running:
                # A task reported started is in its worker's next fold (see concgui.engine.worker).
                del self._running[ev.worker]
                self._running_changed = True
        elif isinstance(ev, TaskStarted):
            self._running[ev.worker] = ev
            self._running_changed = True
        elif isinstance(ev, WorkerStarted):
            self._workers.append(ev)
        elif isinstance(ev, RunStarted):
            self._started, self._run_id = ev, ev.run_id
        elif isinstance(ev, RunFinished):
            self._ended = ev
            self._running.clear()
            self._running_changed = True

    def drain(self) -> SpanBatch | None:
        """What is new since the last call (None if nothing is)."""
        if not (self._finished or self._workers or self._started or self._ended or self._running_changed):
            return None
        batch = SpanBatch(self._run_id, tuple(self._finished), tuple(self._running.values()),
                          tuple(self._workers), self._started, self._ended)
        self._finished, self._workers = [], []
        self._started = self._ended = None
        self._running_changed = False
        return batch


def _room(n: int) -> np.ndarray:
    """An uninitialised float64 column of ``n`` values, whose pages the OS maps as they are first written.

    Large ones come from an anonymous ``mmap``, not ``np.empty``: numpy asks
    Linux for transparent huge pages on arrays of 4 MB and more, and the first
    write into each 2 MB page then stops the writer while the OS clears it
    (6.5 ms each on a cloud VM, every ~10th fold batch on the GUI thread). With
    4 KB pages the same writes cost ~0.2 ms, spread evenly.
    """
    if n < RESERVE_FROM:
        return np.empty(n)
    return np.frombuffer(mmap.mmap(-1, n * 8), dtype=np.float64)  # the array keeps the map alive


class _Grow:
    """A growable float64 column.

    Dropping the oldest values is O(1) (they are skipped, and reclaimed when
    the column next grows), so a lane at its cap does not copy itself every
    time it sheds a tenth; growing doubles the room, so appends are
    amortized O(1) too. A column given a ``reserve`` jumps to that much room
    once it outgrows ``RESERVE_FROM`` values: the copies on the way to two
    million tasks (40 ms and more each, on the GUI thread, while workers
    keep the cores busy) become one copy of a small column. Untouched room
    is address space, not memory: the OS maps pages as they are written
    (see :func:`_room`).
    """

    __slots__ = ("a", "lo", "hi", "reserve")

    def __init__(self, reserve: int = 0) -> None:
        self.a = np.empty(64)
        self.lo = self.hi = 0  # the values are a[lo:hi]
        self.reserve = reserve

    @property
    def n(self) -> int:
        return self.hi - self.lo

    def extend(self, values: np.ndarray) -> None:
        k = len(values)
        if self.hi + k > len(self.a):
            n = self.hi - self.lo
            room = max(64, 2 * (n + k))
            if n + k > RESERVE_FROM:
                room = max(room, self.reserve)
            bigger = _room(room)
            bigger[:n] = self.a[self.lo:self.hi]
            self.a, self.lo, self.hi = bigger, 0, n
        self.a[self.hi:self.hi + k] = values
        self.hi += k

    def view(self) -> np.ndarray:
        return self.a[self.lo:self.hi]

    def drop_first(self, k: int) -> None:
        self.lo = min(self.hi, self.lo + k)


COLUMNS = ("run", "task", "t0", "t1", "cpu")


def _lane_columns() -> dict[str, _Grow]:
    """A lane's columns, with room reserved for its cap and the tenth it can go over before shedding."""
    return {k: _Grow(reserve=MAX_SPANS_PER_LANE + MAX_SPANS_PER_LANE // 4) for k in COLUMNS}


def _ids(ids: Sequence[int]) -> np.ndarray:
    if isinstance(ids, range):
        return np.arange(ids.start, ids.stop, ids.step, dtype=np.float64)
    return np.asarray(ids, dtype=np.float64)


def fold_columns(folds: list[TasksFinished] | tuple[TasksFinished, ...]) -> dict[str, np.ndarray]:
    """The folds' tasks as float64 columns ``run``, ``task``, ``t0``, ``t1``, ``cpu``.

    A handful of numpy calls for the whole batch, not a handful per fold: the
    time columns are the folds' arrays joined in one copy, the ids come from
    their ranges (0.2 ms for a batch of 12 folds and 25,000 tasks).
    """
    if not folds:
        return {k: np.zeros(0) for k in COLUMNS}
    counts = np.array([len(f) for f in folds], dtype=np.int64)
    if not all(isinstance(f.task_ids, range) and f.task_ids.step == 1 for f in folds):
        task = np.concatenate([_ids(f.task_ids) for f in folds])
    else:
        firsts = np.array([cast(range, f.task_ids).start for f in folds], dtype=np.float64)
        ends = np.cumsum(counts)
        # Each task's id: its fold's first id plus its place in the fold.
        task = np.arange(int(ends[-1]), dtype=np.float64) + np.repeat(firsts - (ends - counts), counts)
    return {
        "run": np.repeat(np.array([float(f.run_id) for f in folds]), counts),
        "task": task,
        "t0": np.frombuffer(b"".join(f.t_start for f in folds), dtype=np.float64),
        "t1": np.frombuffer(b"".join(f.t_end for f in folds), dtype=np.float64),
        "cpu": np.frombuffer(b"".join(f.cpu_s for f in folds), dtype=np.float64),
    }


@dataclass
class Lane:
    """One worker's finished tasks, in start order: columns t0, t1, cpu_s, task_id, run_id."""

    name: str
    cols: dict[str, _Grow] = field(default_factory=lambda: _lane_columns())
    #: Bumped when stored tasks move (re-sorted, or the oldest dropped): positions seen before are stale.
    version: int = 0
    merged: "MergedBars | None" = None

    def __len__(self) -> int:
        return self.cols["t0"].n

    def col(self, name: str) -> np.ndarray:
        return self.cols[name].view()

    def add(self, folds: list[TasksFinished] | tuple[TasksFinished, ...]) -> None:
        """Add these folds' tasks (numpy: O(1) Python work per fold)."""
        new = fold_columns(folds)
        if not len(new["t0"]):
            return
        t0 = new["t0"]
        if len(t0) > 1 and bool(np.any(t0[1:] < t0[:-1])):
            order = np.argsort(t0, kind="stable")
            new = {k: v[order] for k, v in new.items()}
        old = self.col("t0")
        if len(old) and new["t0"][0] < old[-1]:  # out of order (rare): merge and re-sort
            merged = {k: np.concatenate((self.col(k), new[k])) for k in COLUMNS}
            order = np.argsort(merged["t0"], kind="stable")
            self.cols = _lane_columns()
            for k in COLUMNS:
                self.cols[k].extend(merged[k][order])
            self.version += 1
        else:
            for k in COLUMNS:
                self.cols[k].extend(new[k])
        if len(self) > MAX_SPANS_PER_LANE:
            extra = len(self) - MAX_SPANS_PER_LANE + MAX_SPANS_PER_LANE // 10  # down to nine tenths of the cap
            for c in self.cols.values():
                c.drop_first(extra)
            self.version += 1

    def spans(self) -> list[tuple[int, int, float, float, float]]:
        """(run_id, task_id, t0, t1, cpu_s) of every task, in start order."""
        return list(zip(self.col("run").astype(int).tolist(), self.col("task").astype(int).tolist(),
                        self.col("t0").tolist(), self.col("t1").tolist(), self.col("cpu").tolist()))


@dataclass(frozen=True)
class Bars:
    """Bars to draw for one lane: starts, ends, CPU share (0..1), and tasks per bar."""

    x0: np.ndarray
    x1: np.ndarray
    share: np.ndarray
    count: np.ndarray

    @property
    def merged(self) -> bool:
        return bool(len(self.count)) and int(self.count.max()) > 1


def merge_bars(t0: np.ndarray, t1: np.ndarray, cpu: np.ndarray, min_gap: float) -> Bars:
    """Merge consecutive spans separated by less than ``min_gap`` (one pixel) into one bar each.

    Each bar's CPU share is its tasks' CPU time over their wall time.
    """
    n = len(t0)
    if n == 0:
        z = np.zeros(0)
        return Bars(z, z, z, np.zeros(0, dtype=int))
    wall = np.maximum(t1 - t0, 0.0)
    if n == 1 or min_gap <= 0:
        return Bars(t0, t1, _share(cpu, wall), np.ones(n, dtype=int))
    x0, x1, c, w, count = _merge(t0, t1, cpu, wall, min_gap)
    return Bars(x0, x1, _share(c, w), count)


def _merge(t0: np.ndarray, t1: np.ndarray, cpu: np.ndarray, wall: np.ndarray,
           min_gap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(starts, ends, Σ CPU, Σ wall, task count) of the bars of ``len(t0) >= 1`` spans merged below ``min_gap``."""
    n = len(t0)
    ends_so_far = np.maximum.accumulate(t1)
    gaps = t0[1:] - ends_so_far[:-1]
    brk = np.nonzero(gaps >= min_gap)[0]
    starts = np.concatenate(([0], brk + 1))
    last = np.concatenate((brk, [n - 1]))
    return (t0[starts], np.maximum.reduceat(t1, starts), np.add.reduceat(cpu, starts),
            np.add.reduceat(wall, starts), last - starts + 1)


class MergedBars:
    """One lane's bars merged at one resolution, from task ``first`` on, extended as tasks arrive.

    What :func:`merge_bars` would give for the lane's tasks ``first:`` at
    ``gap``; adding tasks merges only those (the first joins the last bar
    if it starts less than ``gap`` after the bars end). A view asks for it
    again with a new ``gap`` (zoom, resize) or an earlier start (pan back):
    then it is rebuilt from the tasks on screen, O(those tasks), once.
    """

    __slots__ = ("gap", "first", "upto", "version", "end", "cols")

    def __init__(self, gap: float, first: int, version: int) -> None:
        self.gap = gap
        self.first = first  # the lane's task index the bars begin at
        self.upto = first  # tasks before this index are in the bars
        self.version = version
        self.end = -np.inf  # the latest end of any task in the bars
        self.cols = {k: _Grow() for k in ("x0", "x1", "cpu", "wall", "count")}

    def __len__(self) -> int:
        return self.cols["x0"].n

    def extend(self, lane: "Lane") -> None:
        """Merge the lane's tasks that came since the last call."""
        n = len(lane)
        if self.upto >= n:
            return
        sl = slice(self.upto, n)
        t0, t1, cpu = lane.col("t0")[sl], lane.col("t1")[sl], lane.col("cpu")[sl]
        x0, x1, c, w, count = _merge(t0, t1, cpu, np.maximum(t1 - t0, 0.0), self.gap)
        cols = self.cols
        if len(self) and x0[0] - self.end < self.gap:  # the first new bar continues the last one
            last_x1 = cols["x1"].view()
            last_x1[-1] = max(last_x1[-1], x1[0])
            cols["cpu"].view()[-1] += c[0]
            cols["wall"].view()[-1] += w[0]
            cols["count"].view()[-1] += count[0]
            x0, x1, c, w, count = x0[1:], x1[1:], c[1:], w[1:], count[1:]
        for name, values in (("x0", x0), ("x1", x1), ("cpu", c), ("wall", w), ("count", count)):
            cols[name].extend(values)
        self.end = max(self.end, float(t1.max()))
        self.upto = n

    def bars(self, t_lo: float, t_hi: float) -> Bars:
        """The bars that overlap [t_lo, t_hi]."""
        x0 = self.cols["x0"].view()
        b0 = max(0, int(np.searchsorted(x0, t_lo, side="left")) - 1)
        b1 = int(np.searchsorted(x0, t_hi, side="right"))
        sl = slice(b0, b1)
        c = self.cols
        return Bars(x0[sl].copy(), c["x1"].view()[sl].copy(), _share(c["cpu"].view()[sl], c["wall"].view()[sl]),
                    c["count"].view()[sl].astype(int))


def _share(cpu: np.ndarray, wall: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(wall > 0, cpu / np.where(wall > 0, wall, 1.0), 1.0)
    return np.clip(s, 0.0, 1.0)


@dataclass(frozen=True)
class SpanInfo:
    """One task, as a tooltip shows it."""

    run_id: int
    task_id: int
    worker: str
    t0: float
    t1: float
    cpu_s: float

    @property
    def wall_s(self) -> float:
        return self.t1 - self.t0

    @property
    def share(self) -> float:
        return min(1.0, self.cpu_s / self.wall_s) if self.wall_s > 0 else 1.0


class TimelineStore:
    """Every finished task of the session, one lane per worker name (in order of first appearance)."""

    def __init__(self) -> None:
        self.lanes: dict[str, Lane] = {}
        self.running: dict[str, TaskStarted] = {}
        self.runs: dict[int, RunStarted] = {}
        self.ends: dict[int, RunFinished] = {}
        self.workers: dict[tuple[int, str], WorkerStarted] = {}
        self.spans_received = 0
        self.batches = 0

    def add(self, batch: SpanBatch) -> None:
        self.batches += 1
        if batch.started is not None:
            self.runs[batch.run_id] = batch.started
        for w in batch.workers:
            self.workers[(w.run_id, w.worker)] = w
            self.lane(w.worker)
        by_worker: dict[str, list[TasksFinished]] = {}
        for ev in batch.finished:
            by_worker.setdefault(ev.worker, []).append(ev)
        for name, folds in by_worker.items():
            self.lane(name).add(folds)
        self.spans_received += batch.tasks
        for name in [n for n, s in self.running.items() if s.run_id == batch.run_id]:
            del self.running[name]
        for s in batch.running:
            self.lane(s.worker)
            self.running[s.worker] = s
        if batch.ended is not None:
            self.ends[batch.run_id] = batch.ended

    def lane(self, name: str) -> Lane:
        lane = self.lanes.get(name)
        if lane is None:
            lane = self.lanes[name] = Lane(name)
        return lane

    def __len__(self) -> int:
        return sum(len(lane) for lane in self.lanes.values())

    def bars(self, name: str, t_lo: float, t_hi: float, min_gap: float) -> Bars:
        """The bars of lane ``name`` that overlap [t_lo, t_hi], merged below ``min_gap``.

        ``min_gap`` 0: every task its own bar. Otherwise the lane's
        :class:`MergedBars` at that resolution, extended with the tasks that
        are new since the last call, or rebuilt from the first task on screen
        when the resolution changed, the view went back before its start, or
        it holds far more than a screenful before the view.
        """
        lane = self.lanes[name]
        t0 = lane.col("t0")
        i0 = max(0, int(np.searchsorted(t0, t_lo, side="left")) - 1)
        if min_gap <= 0:
            i1 = int(np.searchsorted(t0, t_hi, side="right"))
            return merge_bars(t0[i0:i1], lane.col("t1")[i0:i1], lane.col("cpu")[i0:i1], 0.0)
        m = lane.merged
        if (m is None or m.gap != min_gap or m.version != lane.version or i0 < m.first
                or (i0 - m.first > MERGED_REBUILD_TASKS and m.upto - m.first > MERGED_REBUILD_TASKS)):
            m = lane.merged = MergedBars(min_gap, i0, lane.version)
        m.extend(lane)
        return m.bars(t_lo, t_hi)

    def hit(self, name: str, t: float, slack: float = 0.0) -> SpanInfo | None:
        """The task of lane ``name`` running at time ``t`` (within ``slack``), if any."""
        lane = self.lanes.get(name)
        if lane is None:
            return None
        t0, t1 = lane.col("t0"), lane.col("t1")
        i = int(np.searchsorted(t0, t, side="right")) - 1
        best = None
        for j in (i, i + 1, i - 1):
            if 0 <= j < len(t0) and t0[j] - slack <= t <= t1[j] + slack:
                d = 0.0 if t0[j] <= t <= t1[j] else min(abs(t - t0[j]), abs(t - t1[j]))
                if best is None or d < best[0]:
                    best = (d, j)
        if best is None:
            s = self.running.get(name)
            if s is not None and t >= s.t - slack:
                return SpanInfo(s.run_id, s.task_id, name, s.t, float("nan"), float("nan"))
            return None
        j = best[1]
        return SpanInfo(int(lane.col("run")[j]), int(lane.col("task")[j]), name, float(t0[j]), float(t1[j]),
                        float(lane.col("cpu")[j]))

    def spans(self) -> list[tuple[int, str, int, float, float, float]]:
        """(run_id, worker, task_id, t0, t1, cpu_s) of every stored task (for a trace export)."""
        out: list[tuple[int, str, int, float, float, float]] = []
        for name, lane in self.lanes.items():
            out.extend((r, name, task, t0, t1, cpu) for r, task, t0, t1, cpu in lane.spans())
        return out

    def clear(self) -> None:
        TimelineStore.__init__(self)
