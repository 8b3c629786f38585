"""Speed, second step (issue 26): what was made cheaper answers exactly as before."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from kpcheck.input import models
from kpcheck.input.models import Coupon


@pytest.mark.parametrize("text", ["2024-02-20", "2024-02-29", "1999-12-31"])
def test_a_date_text_read_again_is_the_same_day(text):
    models._DAYS.clear()
    first = Coupon.model_validate({"received_on": text}).received_on
    assert text in models._DAYS  # remembered
    again = Coupon.model_validate({"received_on": text}).received_on
    assert first == again == dt.date.fromisoformat(text)


@pytest.mark.parametrize("text", ["2024-02-30", "2024-2-20", "20240220", "2024-02-20T00:00", " 2024-02-20", "２０２４-02-20"])
def test_a_text_that_is_no_date_is_refused_every_time_and_never_remembered(text):
    models._DAYS.clear()
    for _ in range(2):
        with pytest.raises(ValidationError, match="expected a date YYYY-MM-DD"):
            Coupon.model_validate({"received_on": text})
    assert text not in models._DAYS


def test_the_remembered_days_stay_few(monkeypatch):
    monkeypatch.setattr(models, "_DAYS_KEPT", 10)
    models._DAYS.clear()
    start = dt.date(2024, 1, 1)
    for n in range(35):
        day = start + dt.timedelta(days=n)
        assert Coupon.model_validate({"received_on": day.isoformat()}).received_on == day
        assert len(models._DAYS) <= 10
