"""DateEncoder: periodic calendar codes from datetime64, pandas Timestamps and ISO strings."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import DateEncoder, ScalarEncoder

pd = pytest.importorskip("pandas")


def encode(encoder, stamps):
    return encoder.transform(np.asarray(stamps).reshape(-1, 1)).toarray()


def test_the_same_instant_in_three_forms_has_one_code():
    encoder = DateEncoder(time_of_day=(5, 4.0), day_of_week=(3, 1.0), weekend=2,
                          season=(4, 60.0)).fit([["2026-01-01"]])
    forms = [np.datetime64("2026-11-28T17:45:00"), pd.Timestamp("2026-11-28 17:45"),
             "2026-11-28T17:45:00"]
    codes = [encode(encoder, [form]) for form in forms]
    assert (codes[0] == codes[1]).all() and (codes[0] == codes[2]).all()
    assert codes[0].sum() == 5 + 3 + 2 + 4


@given(st.datetimes(min_value=__import__('datetime').datetime(1900, 1, 1),
                    max_value=__import__('datetime').datetime(2200, 1, 1)),
       st.integers(1, 10), st.floats(0.5, 12.0))
def test_time_of_day_is_periodic_with_its_radius(stamp, n_active, radius):
    encoder = DateEncoder(time_of_day=(n_active, radius)).fit([["2026-01-01"]])
    stamp = pd.Timestamp(stamp).floor("s")
    here, next_day, later = encode(encoder, [stamp, stamp + pd.Timedelta(days=1),
                                             stamp + pd.Timedelta(hours=radius + 0.01)])
    assert here.sum() == n_active
    assert (here == next_day).all()
    assert here @ later <= 1  # a radius apart: at most the rounding of one position


def test_weekend_flag_and_day_of_week():
    encoder = DateEncoder(time_of_day=None, weekend=3, day_of_week=(6, 2.0)).fit([["2026-1-1"]])
    friday, saturday, sunday, monday = encode(
        encoder, ["2026-11-27 12:00", "2026-11-28 12:00", "2026-11-29 12:00", "2026-11-30 12:00"])
    assert encoder.attributes_ == ["day_of_week", "weekend"]
    days = slice(0, encoder.sizes_["day_of_week"])
    weekend = slice(days.stop, None)
    assert (saturday[weekend] == sunday[weekend]).all()
    assert friday[weekend] @ saturday[weekend] == 0 and (friday[weekend] == monday[weekend]).all()
    # Sunday and Monday are neighbours on the weekly circle (closer than the radius).
    assert sunday[days] @ monday[days] > 0 and friday[days] @ monday[days] == 0


def test_columns_of_a_dataframe_are_encoded_side_by_side():
    frame = pd.DataFrame({"a": pd.date_range("2026-01-01", periods=4, freq="6h"),
                          "b": ["2026-06-01"] * 4})
    encoder = DateEncoder(time_of_day=(4, 6.0)).fit(frame)
    bits = encoder.transform(frame).toarray()
    width = encoder.sizes_["time_of_day"]
    assert bits.shape == (4, 2 * width)
    assert (bits[:, width:] == bits[0, width:]).all()
    assert encoder.get_feature_names_out()[width] == "b_0"


@pytest.mark.parametrize("bad, message", [
    ("yesterday-ish", "not a timestamp"),
    (None, "missing"),
    (pd.NaT, "missing"),
])
def test_bad_timestamps_are_refused_with_the_state_unchanged(bad, message):
    encoder = DateEncoder().fit([["2026-01-01"]])
    before = dict(encoder.__dict__)
    with pytest.raises(ValueError, match=message):
        encoder.transform(np.array([[bad]], dtype=object))
    with pytest.raises(ValueError, match=message):
        encoder.partial_fit(np.array([[bad]], dtype=object))
    assert encoder.__dict__.keys() == before.keys()


@pytest.mark.parametrize("params, message", [
    (dict(time_of_day=None), "encodes nothing"),
    (dict(time_of_day=(0, 4.0)), "n_active"),
    (dict(time_of_day=(5, 30.0)), "radius <= 24"),
    (dict(weekend=0), "positive"),
])
def test_configurations_that_cannot_work_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        DateEncoder(**params).fit([["2026-01-01"]])


def test_the_codes_are_scalar_encoder_codes():
    """Time of day is a periodic ScalarEncoder of the fractional hour."""
    date = DateEncoder(time_of_day=(6, 3.0)).fit([["2026-01-01"]])
    hours = ScalarEncoder(n_active=6, resolution=0.5, minimum=0, maximum=24,
                          periodic=True).fit([[0.0]])
    stamps = pd.date_range("2026-03-01", periods=50, freq="37min")
    fractional = (stamps.hour + stamps.minute / 60).to_numpy(float)
    np.testing.assert_array_equal(
        encode(date, stamps.to_numpy()), hours.transform(fractional.reshape(-1, 1)).toarray()
    )


def test_numbers_need_a_unit():
    encoder = DateEncoder(time_of_day=(4, 6.0)).fit([["2026-01-01"]])
    with pytest.raises(ValueError, match="unit='s'"):
        encoder.transform([[1700000000]])
    seconds = DateEncoder(time_of_day=(4, 6.0), unit="s").fit([[0]])
    np.testing.assert_array_equal(encode(seconds, [1700000000]),
                                  encode(encoder, ["2023-11-14 22:13:20"]))


def test_messages_name_the_column():
    frame = pd.DataFrame({"when": ["2026-01-01", "soon"]})
    with pytest.raises(ValueError, match="Column 'when'"):
        DateEncoder().fit(frame)


# unit="s": the common checks feed numbers, read here as seconds since the epoch.
@parametrize_with_checks([DateEncoder(time_of_day=(3, 6.0), unit="s")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- holidays

def _series(*stamps):
    import pandas as pd

    return pd.Series(pd.to_datetime(list(stamps)))


def test_holiday_value_ramps_over_the_day_before_and_after():
    from sklearn_htm.encoders._date import holiday_values

    values = holiday_values(
        _series("2024-12-23 23:00", "2024-12-24 06:00", "2024-12-24 18:00",
                "2024-12-25 00:00", "2024-12-25 23:59", "2024-12-26 12:00",
                "2024-12-27 00:00", "2024-07-01 12:00"),
        [(None, 12, 25)],
    )
    np.testing.assert_allclose(values, [0, 0.25, 0.75, 1, 1, 0.5, 0, 0])


def test_holiday_dates_across_years_once_and_leap_days():
    from sklearn_htm.encoders._date import holiday_values

    stamps = _series("2024-12-31 12:00", "2025-12-31 12:00", "2023-02-28 12:00",
                     "2024-02-28 12:00")
    # New Year 2025 only: its eve (in 2024) rises, 2025's eve does not.
    np.testing.assert_allclose(holiday_values(stamps, [(2025, 1, 1)]), [0.5, 0, 0, 0])
    # 29 February exists in 2024 only.
    np.testing.assert_allclose(holiday_values(stamps, [(None, 2, 29)]), [0, 0, 0, 0.5])
    # Every year's New Year: both eves.
    np.testing.assert_allclose(holiday_values(stamps, [(None, 1, 1)]), [0.5, 0.5, 0, 0])


def test_holiday_code_separates_holidays_from_ordinary_days():
    enc = DateEncoder(time_of_day=None, holiday=4, sparse_output=False)
    bits = enc.fit_transform(np.array([["2024-07-01 10:00"], ["2024-12-24 12:00"],
                                       ["2024-12-25 10:00"]]))
    assert enc.sizes_ == {"holiday": 8}
    np.testing.assert_array_equal(bits.sum(axis=1), 4)
    ordinary, eve, holiday = bits.astype(bool)
    assert not (ordinary & holiday).any()
    assert (eve & ordinary).sum() == 2 and (eve & holiday).sum() == 2


@pytest.mark.parametrize(
    "dates", [[(13, 1)], [(12,)], [("12", "25")], [], [(2024, 2, 30, 1)], [(2, 30)],
              [(2023, 2, 29)]],
)
def test_bad_holiday_dates_are_refused(dates):
    with pytest.raises(ValueError, match="holiday_dates"):
        DateEncoder(holiday=2, holiday_dates=dates).fit(np.array([["2024-01-01"]]))


@given(st.lists(st.integers(-2 * 10**18, 4 * 10**18), min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_calendar_fields_match_pandas(nanoseconds):
    from sklearn_htm.encoders._date import calendar_fields

    stamps = np.asarray(nanoseconds, dtype=np.int64).astype("datetime64[ns]")
    dt = pd.Series(stamps).dt
    hours, day_of_week, day_of_year = calendar_fields(stamps)
    expected_hours = (dt.hour + dt.minute / 60.0 + dt.second / 3600.0).to_numpy(np.float64)
    np.testing.assert_array_equal(hours, expected_hours)
    np.testing.assert_array_equal(day_of_week, dt.day_of_week.to_numpy())
    np.testing.assert_array_equal(day_of_year, dt.day_of_year.to_numpy())
