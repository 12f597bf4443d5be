"""The journal hash's canonical text: chunked and column-wise (with a fast path for columns of one
plain type) it must be the text of ``canonical`` cell by cell, whatever the cells hold, since the
hash is what every golden and every swarm result compares."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.journal.schema import TABLES
from sim.journal.writer import canonical, canonical_text

SCHEMA = TABLES["orders"]
CELL = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=True), st.integers(-10**20, 10**20), st.text(max_size=4),
    st.decimals(allow_nan=False, allow_infinity=False, places=6),
    st.floats(allow_nan=False).map(np.float64),   # a float subclass: its repr is not a float's
    st.integers(-10**6, 10**6).map(np.int64))
# a column of one type (the fast path) or of mixed types, per column
COLUMN = st.one_of(st.lists(CELL, min_size=3, max_size=3),
                   st.sampled_from([1.5, -0.0, 7, "x"]).map(lambda v: [v, v, v]))


def _row_by_row(rows: list[tuple]) -> str:
    return "".join("\x1f".join(canonical(v) for v in row) + "\n" for row in rows)


@given(st.lists(COLUMN, min_size=len(SCHEMA), max_size=len(SCHEMA)))
def test_column_wise_text_is_the_cell_by_cell_text(columns):
    rows = list(zip(*columns))
    assert canonical_text(rows, SCHEMA) == _row_by_row(rows)


def test_plain_columns_and_their_look_alikes():
    rows = [(0.1, 3, "a", None, Decimal("1.50"), True) + (None,) * (len(SCHEMA) - 6),
            (np.float64(0.1), np.int64(3), "b", 2.0, Decimal(0), False) + (None,) * (len(SCHEMA) - 6)]
    text = canonical_text(rows, SCHEMA)
    assert text.splitlines()[0].split("\x1f")[:6] == ["0.1", "3", "a", "", "1.5", "1"]
    assert text.splitlines()[1].split("\x1f")[:6] == [repr(np.float64(0.1)), "3", "b", "2.0", "0", "0"]
    assert text == _row_by_row(rows)
