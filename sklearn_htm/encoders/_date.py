"""The date encoder: a timestamp as periodic codes of its time of day, weekday and season.

Reference semantics: htm.core's ``src/htm/encoders/DateEncoder.cpp`` (names
in brackets below are its parameters). Written from its description, not
its code. Timestamps are parsed by pandas.
"""

import datetime
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import validate_data

from ._base import StreamEncoder
from ._scalar import bucket_layout, run_bits

# The attributes, in output order: (parameter, period, unit of the radius).
_ATTRIBUTES = (
    ("season", 366.0, "days"),
    ("day_of_week", 7.0, "days"),
    ("weekend", None, None),
    ("holiday", None, None),
    ("time_of_day", 24.0, "hours"),
)
_NANOSECONDS_PER_DAY = 86_400 * 10**9


def _check_holiday_dates(dates):
    """``holiday_dates`` as a list of (year or None, month, day)."""
    checked = []
    for date in dates:
        ok = (isinstance(date, (tuple, list)) and len(date) in (2, 3)
              and all(isinstance(v, Integral) and not isinstance(v, bool) for v in date))
        if ok:
            year, month, day = (None, *date) if len(date) == 2 else tuple(date)
            try:  # a date that exists that year, or in a leap year for every year
                datetime.date(2024 if year is None else year, month, day)
            except ValueError:
                ok = False
        if not ok:
            raise ValueError(
                "holiday_dates must hold (month, day) pairs (every year) or "
                f"(year, month, day) triples, got {date!r}."
            )
        checked.append((year, int(month), int(day)))
    if not checked:
        raise ValueError("holiday_dates is empty; give at least one date or set holiday=None.")
    return checked


def holiday_values(timestamps, dates):
    """How much of a holiday each timestamp is, in [0, 1] (nupic's and
    htm.core's rule): 1 on the holiday itself, rising linearly from 0 to 1
    over the day before and falling back to 0 over the day after.

    Parameters
    ----------
    timestamps : ndarray of datetime64 (any unit)
    dates : list of (year or None, month, day)
        None: the same month and day every year. Dates that do not exist in a
        year (29 February) are skipped that year.
    """
    timestamps = np.asarray(timestamps)
    if timestamps.dtype == np.dtype("datetime64[ns]"):
        when = timestamps.astype(np.int64) / _NANOSECONDS_PER_DAY
    else:  # outside datetime64[ns]'s years: whole seconds
        when = timestamps.astype("datetime64[s]").astype(np.int64) / 86_400
    years = timestamps.astype("datetime64[Y]").astype(np.int64) + 1970
    value = np.zeros(when.shape[0], dtype=np.float64)
    for year, month, day in dates:
        candidates = (years - 1, years, years + 1) if year is None else (np.full_like(years,
                                                                                    year),)
        for candidate in candidates:
            # The holiday's first day in year ``candidate``, in days since
            # 1970; a date the year lacks (29 February) rolls over: invalid.
            first_of_month = ((candidate - 1970).astype("datetime64[Y]").astype("datetime64[M]")
                              + (month - 1))
            start = first_of_month.astype("datetime64[D]") + (day - 1)
            valid = start.astype("datetime64[M]") == first_of_month
            days = np.full(when.shape[0], np.nan)
            days[valid] = when[valid] - start[valid].astype(np.int64)
            ramp = np.where(days < 0, 1.0 + days, np.where(days < 1, 1.0, 2.0 - days))
            inside = valid & (days >= -1) & (days < 2)
            value[inside] = np.maximum(value[inside], np.clip(ramp[inside], 0.0, 1.0))
    return value
_PERIODS = {name: period for name, period, _ in _ATTRIBUTES}


def calendar_fields(stamps):
    """The calendar of naive timestamps, computed with numpy (no pandas
    objects, so that a one-row call stays cheap).

    Parameters
    ----------
    stamps : ndarray of datetime64 (any unit), shape (n,)

    Returns
    -------
    hours : ndarray of float64
        Hour of the day with its minutes and seconds, ``hour + minute / 60 +
        second / 3600`` (sub-second parts ignored, as pandas' fields give).
    day_of_week : ndarray of int64
        0 for Monday to 6 for Sunday.
    day_of_year : ndarray of int64
        1 for the first of January.
    """
    # Whole seconds: every date numpy holds (datetime64[ns] spans 1677-2262).
    seconds = stamps.astype("datetime64[s]").astype(np.int64)
    days = np.floor_divide(seconds, 86_400)
    of_day = seconds - days * 86_400
    hour, minute, second = of_day // 3600, (of_day // 60) % 60, of_day % 60
    hours = hour + minute / 60.0 + second / 3600.0
    day_of_week = (days + 3) % 7  # 1970-01-01 was a Thursday
    year_start = stamps.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return hours, day_of_week, days - year_start + 1


def _check_attribute(name, value, period):
    """``(n_active, radius)`` for a periodic attribute, ``n_active`` for the
    weekend flag and the holiday code, or None (off)."""
    if value is None:
        return None
    if period is None:
        if isinstance(value, Integral) and not isinstance(value, bool) and value >= 1:
            return int(value)
        raise ValueError(f"{name} must be None or a positive number of active bits, "
                         f"got {value!r}.")
    ok = (
        isinstance(value, (tuple, list)) and len(value) == 2
        and isinstance(value[0], Integral) and not isinstance(value[0], bool)
        and value[0] >= 1 and isinstance(value[1], Real) and 0 < value[1] <= period
    )
    if not ok:
        raise ValueError(
            f"{name} must be None or a pair (n_active, radius) with n_active >= 1 and "
            f"0 < radius <= {period:g}, got {value!r}."
        )
    return int(value[0]), float(value[1])


class DateEncoder(StreamEncoder):
    """Encode timestamps as concatenated periodic codes of their calendar attributes.

    Each attribute switched on is a periodic scalar code: ``n_active``
    active bits, and codes of values ``radius`` apart do not overlap (the
    resolution is ``radius / n_active``). Time of day is in hours, with
    minutes and seconds as fractions; day of week runs from Monday 0 to
    Sunday 6, with the time of day as a fraction; season is the day of the
    year from 0, with the time of day as a fraction, over a period of 366
    days. The weekend flag (Saturday or Sunday) is two categories of
    ``n_active`` bits each. The holiday code is a scalar code of how much of
    a holiday the time is (1 on a date of ``holiday_dates``, rising from 0
    over the day before and falling back over the day after, as in nupic and
    htm.core), over [0, 1] with radius 1: ``2 * n_active`` bits, no overlap
    between an ordinary day and a holiday. Timestamps are used as written
    (their wall-clock fields; a time zone is not converted).

    Each column of X is one series of timestamps, encoded on its own: the
    codes of all columns are concatenated.

    Parameters
    ----------
    time_of_day : (int, float) or None, default=(21, 9.49)
        ``(n_active, radius in hours)`` [timeOfDay_width, timeOfDay_radius];
        the default is the one NAB's HTM detector uses.
    day_of_week : (int, float) or None, default=None
        ``(n_active, radius in days)`` [dayOfWeek_width, dayOfWeek_radius].
    weekend : int or None, default=None
        Active bits of the weekend flag [weekend_width].
    holiday : int or None, default=None
        Active bits of the holiday code [holiday_width].
    holiday_dates : sequence of tuple, default=((12, 25),)
        The holidays: ``(month, day)`` every year, or ``(year, month, day)``
        once [holiday_dates].
    season : (int, float) or None, default=None
        ``(n_active, radius in days)`` [season_width, season_radius].
    unit : {"s", "ms", "us", "ns", "D"} or None, default=None
        Numbers in X are times since the Unix epoch in this unit (pandas'
        ``to_datetime(unit=...)``). ``None`` refuses numbers, so that epoch
        seconds are never read as nanoseconds.
    sparse_output : bool, default=True
        Return a CSR matrix or a dense array.
    dtype : numpy dtype, default=np.float64
        Data type of the output.

    Attributes
    ----------
    attributes_ : list of str
        The attributes encoded, in output order.
    sizes_ : dict of str to int
        Bits of each attribute's code.
    offsets_ : ndarray of int64, shape (n_features + 1,)
        Column ``f``'s code is output bits ``offsets_[f]:offsets_[f + 1]``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When X has string column names.

    Raises
    ------
    ValueError
        For timestamps pandas cannot parse or missing ones (NaN, NaT, None),
        numbers without a ``unit``, and a configuration with no attribute
        switched on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import DateEncoder
    >>> enc = DateEncoder(time_of_day=(4, 6.0), weekend=2, sparse_output=False)
    >>> bits = enc.fit_transform(np.array([["2026-11-28 09:00"], ["2026-11-30 09:00"]]))
    >>> enc.attributes_, bits.shape, bits.sum(axis=1).tolist()
    (['weekend', 'time_of_day'], (2, 20), [6.0, 6.0])
    """

    _parameter_constraints: dict = {
        "time_of_day": [None, tuple, list],
        "day_of_week": [None, tuple, list],
        "weekend": [None, Integral],
        "holiday": [None, Integral],
        "holiday_dates": [tuple, list],
        "season": [None, tuple, list],
        "unit": [None, StrOptions({"s", "ms", "us", "ns", "D"})],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",
    }

    def __init__(self, time_of_day=(21, 9.49), *, day_of_week=None, weekend=None, holiday=None,
                 holiday_dates=((12, 25),), season=None, unit=None, sparse_output=True,
                 dtype=np.float64):
        self.time_of_day = time_of_day
        self.day_of_week = day_of_week
        self.weekend = weekend
        self.holiday = holiday
        self.holiday_dates = holiday_dates
        self.season = season
        self.unit = unit
        self.sparse_output = sparse_output
        self.dtype = dtype

    def _validate(self, X, reset):
        return validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)

    def _columns(self, X):
        """Each column of X parsed by pandas into naive datetime64, in the
        unit pandas chose (wall-clock time for timestamps with a time zone)."""
        import pandas as pd

        columns = []
        for feature in range(X.shape[1]):
            column = pd.Series(X[:, feature])
            numeric = column.map(
                lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                and v == v  # NaN is a missing timestamp, not a number
            ) if column.dtype == object else pd.Series(
                [column.dtype.kind in "iuf"] * len(column))
            if self.unit is None and bool(numeric.any()):
                raise ValueError(
                    f"{self._column_name(feature).capitalize()} of X holds numbers "
                    f"(the first: {column[numeric].iloc[0]!r}), not timestamps; for "
                    "times since the Unix epoch set unit (unit='s' for seconds)."
                )
            by_unit = self.unit is not None and bool(numeric.all())
            if by_unit and np.isinf(column.astype(np.float64)).any():
                raise ValueError(
                    f"{self._column_name(feature).capitalize()} of X holds infinity, "
                    "which is no time."
                )
            try:
                if by_unit:
                    parsed = pd.to_datetime(column.astype(np.float64), unit=self.unit,
                                            errors="raise")
                else:
                    parsed = pd.to_datetime(column, errors="raise")
            except (ValueError, TypeError, OverflowError) as exc:
                raise ValueError(
                    f"{self._column_name(feature).capitalize()} of X holds a value that is "
                    f"not a timestamp: {exc}"
                ) from exc
            if parsed.isna().any():
                raise ValueError(
                    f"{self._column_name(feature).capitalize()} of X has "
                    f"{int(parsed.isna().sum())} missing "
                    "timestamp(s) (NaN, NaT or None); drop or fill them first."
                )
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_localize(None)
            columns.append(parsed.to_numpy())  # pandas' unit: any year it parses
        return columns

    def _learn(self, X):
        columns = self._columns(X)  # refuses what is not a timestamp
        layouts = {}
        for name, period, _ in _ATTRIBUTES:
            value = _check_attribute(name, getattr(self, name), period)
            if value is None:
                continue
            if name == "weekend":
                layouts[name] = (2 * value, 2, 0.0, value)
                continue
            if name == "holiday":
                self._holiday_dates = _check_holiday_dates(self.holiday_dates)
                size, positions, resolution = bucket_layout(
                    value, None, 1.0 / value, 0.0, 1.0, False
                )
                layouts[name] = (size, positions, resolution, value)
                continue
            n_active, radius = value
            size, positions, resolution = bucket_layout(
                n_active, None, radius / n_active, 0.0, period, True
            )
            if size < n_active:
                raise ValueError(
                    f"{name}={getattr(self, name)!r} makes a code of {size} bits for "
                    f"{n_active} active bits; use a smaller radius."
                )
            layouts[name] = (size, positions, resolution, n_active)
        if not layouts:
            raise ValueError(
                "DateEncoder encodes nothing: switch on at least one of time_of_day, "
                "day_of_week, weekend, holiday and season."
            )
        self._layouts = layouts
        self.attributes_ = list(layouts)
        self.sizes_ = {name: layout[0] for name, layout in layouts.items()}
        width = sum(self.sizes_.values())
        self.offsets_ = np.arange(len(columns) + 1, dtype=np.int64) * width

    def _active_bits(self, feature, timestamps):
        hours, day_of_week, day_of_year = calendar_fields(timestamps)
        values = {
            "time_of_day": hours,
            "day_of_week": day_of_week.astype(np.float64) + hours / 24.0,
            "season": (day_of_year.astype(np.float64) - 1.0) + hours / 24.0,
        }
        parts, offset = [], 0
        for name in self.attributes_:
            size, positions, resolution, n_active = self._layouts[name]
            if name == "weekend":
                weekend = (day_of_week >= 5).astype(np.int64)
                bits = weekend[:, None] * n_active + np.arange(n_active)
            elif name == "holiday":
                bits = run_bits(holiday_values(timestamps, self._holiday_dates), 0.0, 1.0,
                                resolution, positions, size, n_active, False)
            else:
                period = _PERIODS[name]
                bits = run_bits(values[name], 0.0, period, resolution, positions, size,
                                n_active, True)
            parts.append(bits + offset)
            offset += size
        return np.concatenate(parts, axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags
