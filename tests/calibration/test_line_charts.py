"""The trends chart's month axis: as many months as the period holds, and no two labels touching
(a year of months side by side once ran into one another, "2025-122026-01...")."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from barraiser.calibration.charts import CHARACTER_WIDTH
from barraiser.calibration.line_charts import TREND_SERIES, trends_chart


def _months(count: int) -> list[dict]:
    rows = []
    for index in range(count):
        year, month = divmod(2023 * 12 + index, 12)
        row = {key: 0.5 for key, _ in TREND_SERIES}
        rows.append({**row, "month": f"{year:04d}-{month + 1:02d}"})
    return rows


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, 12, 13, 24, 36, 48])
def test_the_month_labels_never_touch_and_start_with_the_first_month(count):
    trends = _months(count)
    svg = str(trends_chart(trends))
    axis = [
        (float(x), text)
        for x, text in re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" class="chart-axis">([^<]+)</text>',
            svg,
        )
    ]
    assert axis[0][1] == trends[0]["month"]
    assert [text for _, text in axis] == sorted(text for _, text in axis)
    widest = CHARACTER_WIDTH * len("2023-01")  # the most a label takes at the charts' 12 px
    gaps = [right - left for (left, _), (right, _) in pairwise(axis)]
    assert all(gap >= widest for gap in gaps), gaps
    if count <= 6:  # room for every month: every month is named
        assert len(axis) == count
