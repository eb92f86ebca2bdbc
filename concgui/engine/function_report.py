"""Words for a developer's function: its profile, the recommendation, predicted against measured, a report.

The CLI prints these lines, the window shows them, and "Copy report" puts
:func:`markdown` on the clipboard, so a pull request quotes exactly what the
terminal said. Every figure is from the profile or the records passed in.
"""

from __future__ import annotations

from typing import Sequence

from concgui.engine.compare import RunRecord
from concgui.engine.function_profile import Profile
from concgui.engine.recommend import PredictionCheck, Recommendation, best_measured, times


def _ms(s: float | None) -> str:
    if s is None:
        return "?"
    if s >= 1:
        return f"{s:.2f} s"
    return f"{s * 1e3:.3g} ms" if s >= 1e-3 else f"{s * 1e6:.3g} µs"


def _size(n: float | None) -> str:
    if n is None:
        return "?"
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} bytes"


def profile_lines(p: Profile) -> list[str]:
    """What the fresh process measured, one fact a line."""
    out = [f"Profile of {p.target} ({p.calls} calls of {p.items:,} items from {p.items_from}, in a fresh process):",
           f"  a call: {_ms(p.task_wall_s)} wall (median; up to {_ms(p.task_wall_max_s)}), "
           f"{_ms(p.task_cpu_s)} CPU"]
    if p.two_threads_speedup is not None:
        gil = ("mostly waits" if p.waits else
               f"runs {p.gil_free_share or 0:.0%} of the time without the GIL")
        out.append(f"  two threads at once: {p.two_threads_speedup:.2f}× one thread, using "
                   f"{p.two_threads_cores or 0:.2f} cores' worth ({p.thread_cpu_share or 0:.0%} each): it {gil}")
    out.append(f"  pickled: an item {_size(p.item_bytes)} in {_ms(p.item_pickle_s)}, a result "
               f"{_size(p.result_bytes)} in {_ms(p.result_pickle_s)}")
    mem = f"; a process with it loaded peaks at {p.memory_mb:.0f} MB" if p.memory_mb else ""
    out.append(f"  import in a fresh process: {_ms(p.import_s)}{mem}")
    out += [f"  note: {n}" for n in notes(p)]
    return out


def notes(p: Profile) -> list[str]:
    """What the developer should know and may not expect: prints, files, non-determinism, pickling."""
    out = []
    if p.printed_chars or p.printed_at_import:
        out.append(f"it prints ({p.printed_chars + p.printed_at_import:,} characters in the profile): allowed, "
                   "and printing from many workers at once costs time and interleaves")
    if p.files_written:
        shown = ", ".join(p.files_written[:3]) + (" …" if len(p.files_written) > 3 else "")
        out.append(f"it opens files for writing ({shown}): allowed; workers running at once may overwrite "
                   "each other's")
    if not p.deterministic:
        out.append("the same item gave a different result twice: it is not deterministic, so runs are "
                   "compared by their count of results, not their values")
    out += list(p.problems.values())
    return out


def recommendation_lines(rec: Recommendation) -> list[str]:
    out = [rec.sentence(), "Predicted speedup against one thread:"]
    for pr in rec.predictions:
        if pr.mode == "serial":
            continue
        out.append(f"  {pr.mode} ×{pr.workers}: {times(pr.speedup)}: {pr.reason}")
    lead = [r for r in rec.reasons if not any(r == pr.reason for pr in rec.predictions)]
    return out[:1] + [f"  because {r}" for r in lead] + out[1:]


def check_lines(checks: Sequence[PredictionCheck], rec: Recommendation, records: Sequence[RunRecord]) -> list[str]:
    """Predicted beside measured, then whether the recommendation held."""
    if not checks:
        return []
    out = ["Predicted against measured:"] + [c.line() for c in checks]
    best = best_measured(records)
    if best is not None:
        fast = "serial" if best.mode == "serial" else f"{best.mode} ×{best.workers}"
        gain = "" if best.speedup is None else f" ({best.speedup:.2f}×)"
        ran = next((r for r in records if r.mode == rec.mode and r.status == "done"
                    and (r.workers == rec.workers or rec.mode == "serial")), None)
        noise = 1 + (best.spread or 0) + (ran.spread or 0 if ran is not None else 0) + 0.05
        if ran is best:
            out.append(f"The recommendation held: {fast} was measured the fastest{gain}.")
        elif ran is not None and ran.wall_s <= best.wall_s * noise:
            out.append(f"The recommendation held within the noise: {fast} was fastest{gain}, {rec.mode} "
                       "within the runs' spread of it.")
        elif ran is not None:
            out.append(f"The measurements favour {fast}{gain} over the recommended {rec.mode}: trust the "
                       "measurement (see why above).")
    return out


def markdown(p: Profile, rec: Recommendation, records: Sequence[RunRecord], checks: Sequence[PredictionCheck],
             machine: str) -> str:
    """A report for a pull request or an issue: profile, recommendation, runs, predicted against measured."""
    lines = [f"### How to run `{p.target}`: measured by concgui", "", f"_{machine}_", ""]
    lines += [f"**{rec.sentence()}**", ""]
    lines += [f"- {r}" for r in rec.reasons]
    lines += ["", "<details><summary>Profile</summary>", "", "```"] + profile_lines(p) + ["```", "", "</details>", ""]
    if records:
        lines += ["| mode | workers | wall s | speedup | predicted | results |", "|---|---:|---:|---:|---:|---|"]
        predicted = {(c.mode, c.workers): c.predicted for c in checks}
        for r in records:
            spread = f" ± {r.spread:.0%}" if r.spread is not None else ""
            sp = "—" if r.speedup is None else f"{r.speedup:.2f}×"
            pr = predicted.get((r.mode, r.workers))
            pred = "1.00×" if r.mode == "serial" else times(pr)
            ok = {True: "match serial", False: "MISMATCH", None: "—"}[r.results_ok] if r.mode != "serial" else "—"
            lines.append(f"| {r.mode} | {r.workers} | {r.wall_s:.3f}{spread} | {sp} | {pred} | {ok} |")
        lines.append("")
        lines += [ln.strip() for ln in check_lines(checks, rec, records)[1:]]
    return "\n".join(lines).rstrip() + "\n"
