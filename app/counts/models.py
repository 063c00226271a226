from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

SCALE_COLUMNS = tuple(f"c{value}" for value in range(11))
# Rollup rows keep absent dimensions as "" (slugs never are) so the primary key can hold them.
NO_VALUE = ""


class ScaleCounts:
    """``c0`` … ``c10``: how many answers gave each score value (after the key columns)."""

    c0: Mapped[int] = mapped_column(Integer, default=0)
    c1: Mapped[int] = mapped_column(Integer, default=0)
    c2: Mapped[int] = mapped_column(Integer, default=0)
    c3: Mapped[int] = mapped_column(Integer, default=0)
    c4: Mapped[int] = mapped_column(Integer, default=0)
    c5: Mapped[int] = mapped_column(Integer, default=0)
    c6: Mapped[int] = mapped_column(Integer, default=0)
    c7: Mapped[int] = mapped_column(Integer, default=0)
    c8: Mapped[int] = mapped_column(Integer, default=0)
    c9: Mapped[int] = mapped_column(Integer, default=0)
    c10: Mapped[int] = mapped_column(Integer, default=0)


class HourlyCounts(Base, ScaleCounts):
    """Answers per score value, per UTC hour and combination of dimensions.

    Written in the same transaction as the responses it counts, so it never disagrees
    with them; one wide row per hour and dimensions keeps a 30-day score a few thousand
    rows whatever the history's size.
    """

    __tablename__ = "hourly_counts"

    metric: Mapped[str] = mapped_column(String(8), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    survey: Mapped[str] = mapped_column(String(64), primary_key=True)
    touchpoint: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    location: Mapped[str] = mapped_column(String(64), primary_key=True)


# The dimension of a DimensionCounts row; TOTAL rows count every answer of the hour.
TOTAL = ""
DIMENSIONS = ("survey", "touchpoint", "channel", "location")


class DimensionCounts(Base, ScaleCounts):
    """Answers per score value, per UTC hour and ONE dimension value (or in total).

    Derived from the same deltas as HourlyCounts, in the same transaction. A score with
    no filter, or a filter or grouping on one dimension, reads one row per hour (per
    group) here, however many combinations of dimensions the answers spread over.
    """

    __tablename__ = "dimension_counts"
    # SQLite keeps the rows in key order (migration 0005): a score reads one contiguous run.
    __table_args__ = ({"sqlite_with_rowid": False},)

    metric: Mapped[str] = mapped_column(String(8), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
