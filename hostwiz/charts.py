"""Metrics as text, shared by `hostwiz top` and the detail screen's watch panel: values with their
units (`human`), and a series drawn as a one-line bar chart (`cells`) on an honest scale: from
zero (a CPU at 10-12 % draws low bars, not a mountain), percentages up to 100 %.

    cells(values, width, worst=max) -> [(bar, value), ...]   one per column; the value is what
                                                              the bar shows, for colouring it
    axis(values, unit) -> (low, high)                          the scale the bars are drawn on

Plain Python: no Rich, no Textual (each front end colours the bars its own way).
"""

from __future__ import annotations

from typing import Callable, Sequence

BLOCKS = "▁▂▃▄▅▆▇█"


def human(value: float | None, unit: str) -> str:
    """A metric's value with its unit: 88.0 %, 24.8 KiB/s, 2.1 ms, 16.0 GiB, 3 credits, 4."""
    if value is None:
        return "no data"
    if unit in ("bytes", "B/s"):
        for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024 or suffix == "TiB":
                return f"{value:.1f} {suffix}{'/s' if unit == 'B/s' else ''}"
            value /= 1024
    if unit == "s":
        return f"{value * 1000:.1f} ms"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:.0f}" if unit == "count" else f"{value:.0f} {unit}"


def every(seconds: int) -> str:
    """A period in words: 1 min, 5 min, 1 h."""
    return f"{seconds // 3600} h" if seconds >= 3600 and seconds % 3600 == 0 else f"{max(1, seconds // 60)} min"


def axis(values: Sequence[float], unit: str) -> tuple[float, float]:
    """The scale of a chart: from 0 (or the lowest value, if negative) to the highest value;
    percentages to at least 100 %."""
    low = min(0.0, min(values, default=0.0))
    high = max(values, default=0.0)
    if unit == "%":
        high = max(high, 100.0)
    return low, high if high > low else low + 1.0


def buckets(values: Sequence[float], width: int, worst: Callable[[Sequence[float]], float] = max) -> list[float]:
    """`width` values: more points than columns fold into buckets (each its worst point, so a
    short spike or dip stays visible), fewer are stretched (each point over several columns)."""
    n = len(values)
    if not n or width <= 0:
        return []
    if n <= width:
        return [values[min(n - 1, i * n // width)] for i in range(width)]
    return [worst(values[i * n // width:max(i * n // width + 1, (i + 1) * n // width)]) for i in range(width)]


def cells(values: Sequence[float], width: int, unit: str = "", *,
          worst: Callable[[Sequence[float]], float] = max) -> list[tuple[str, float | None]]:
    """The chart as `width` (bar, value) cells, oldest left; a series with no points is a blank
    baseline (value None)."""
    if not values:
        return [(" ", None)] * max(0, width)
    low, high = axis(values, unit)
    top = len(BLOCKS) - 1
    return [(BLOCKS[max(0, min(top, round((v - low) / (high - low) * top)))], v) for v in buckets(values, width, worst)]


def sparkline(values: Sequence[float], width: int, unit: str = "", *,
              worst: Callable[[Sequence[float]], float] = max) -> str:
    return "".join(bar for bar, _ in cells(values, width, unit, worst=worst))
