"""Cell values a grid cannot mean: fill values nobody declared, and counts no population can have.

A GeoTIFF says which value means "no data" in its header, but many are written without saying
it: the cells outside the survey then hold the tool's fill value, and summed as people they make
-26 million (int16's -32768) or -2.7e41 (float32's -3.4e38). What is done, and why:

- A fill value (`FILL_VALUES`: the lowest value of the cell type, as most tools write; float's
  lowest, -3.4e38 and below; -9999 and -99999; NaN) that the file does not declare is clearly
  not data: those cells are read as no data, and a warning says how many, which value and where
  the first one is. No real grid holds these values as figures.
- In a population grid, a value that is not a fill value and still cannot be a number of people
  (negative, infinite, more than MAX_PEOPLE_PER_CELL) is not guessed at: the grid is refused as
  population, naming the value and where (`population_problem`). It can still be drawn.
"""
from __future__ import annotations

import numpy as np
from affine import Affine

MAX_PEOPLE_PER_CELL = 1e9  # an eighth of the world in one cell: no grid of people holds more
FLOAT_FILL_BELOW = -3.0e38  # float32's lowest (-3.4028235e38), the rounded -3.4e38, float64's lowest


def _lowest_integer(values: np.ndarray) -> tuple[str, np.ndarray] | None:
    if values.dtype.kind != "i":
        return None
    lowest = np.iinfo(values.dtype).min
    return f"{lowest} (the lowest {values.dtype.itemsize * 8}-bit integer)", values == lowest


def _lowest_float(values: np.ndarray) -> tuple[str, np.ndarray] | None:
    if values.dtype.kind != "f":
        return None
    with np.errstate(invalid="ignore"):
        return "-3.4e38 or lower (the lowest floating-point values)", np.isfinite(values) & (values <= FLOAT_FILL_BELOW)


def _not_a_number(values: np.ndarray) -> tuple[str, np.ndarray] | None:
    if values.dtype.kind != "f":
        return None
    return "NaN (not a number)", np.isnan(values)


def _common(fill: float):
    def test(values: np.ndarray) -> tuple[str, np.ndarray] | None:
        if values.dtype.kind not in "if" or (values.dtype.kind == "i" and np.iinfo(values.dtype).min > fill):
            return None
        return f"{fill:g}", values == fill
    return test


# What a cell holds when a tool wrote "no data" without saying so: each test gives (the value in
# words, the cells holding it), or None where the cell type cannot hold it.
FILL_VALUES = (_lowest_integer, _lowest_float, _common(-9999), _common(-99999), _not_a_number)


def masked_fill_values(data: np.ma.MaskedArray, transform: Affine, crs_name: str) -> tuple[np.ma.MaskedArray, list[str]]:
    """`data` (as read, in its own cell type) with the cells holding an undeclared fill value
    masked, and a warning for each value found."""
    warnings = []
    valid = ~np.ma.getmaskarray(data)
    values = np.ma.getdata(data)
    for test in FILL_VALUES:
        found = test(values)
        if found is None:
            continue
        what, cells = found
        cells &= valid
        if cells.any():
            warnings.append(f"{int(cells.sum()):,} cell(s) hold {what}, a fill value the file does not declare as "
                            f"nodata: read as no data (the first {_where(cells, transform, crs_name)})")
            valid &= ~cells
    if len(warnings):
        data = np.ma.masked_array(values, mask=~valid)
    return data, warnings


# (what the cells hold, the test on the values as float64 with NaN for no data)
_NOT_PEOPLE = (
    ("an infinite value", np.isinf),
    ("a negative value", lambda values: values < 0),
    (f"more than {MAX_PEOPLE_PER_CELL:,.0f} people", lambda values: values > MAX_PEOPLE_PER_CELL),
)


def population_problem(array: np.ndarray, transform: Affine, crs_name: str) -> str | None:
    """Why the cells of `array` (float64, NaN for no data) cannot be counts of people, naming the
    first such value and where it is; None if they can."""
    with np.errstate(invalid="ignore"):
        for what, test in _NOT_PEOPLE:
            cells = test(array)
            if cells.any():
                row, col = np.argwhere(cells)[0]
                return (f"it cannot be a population grid: {int(cells.sum()):,} cell(s) hold {what} (the first, "
                        f"{array[row, col]:g}, {_where(cells, transform, crs_name)})")
    return None


def _where(cells: np.ndarray, transform: Affine, crs_name: str) -> str:
    """Where the first of `cells` is: its row and column (from 1, top left) and its centre on the map."""
    row, col = np.argwhere(cells)[0]
    x, y = transform * (col + 0.5, row + 0.5)
    return f"at row {row + 1:,}, column {col + 1:,}: x {x:,.2f}, y {y:,.2f} in {crs_name}"
