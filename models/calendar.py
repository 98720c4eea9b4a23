from models import db


class Holiday(db.Model):
    """A statutory holiday or a make-up working day (调休补班) that overrides the weekday rule."""
    __tablename__ = "holiday"
    id = db.Column(db.Integer, primary_key=True)
    day = db.Column(db.Date, nullable=False, unique=True)
    kind = db.Column(db.String(10), nullable=False)  # holiday | workday
    name = db.Column(db.String(50), nullable=False, default="")

    def __str__(self):
        return f"{self.day} {self.name}"


class HolidayYear(db.Model):
    """A year's state of entry: `complete` once the State Council notice is entered in full. Until
    then the clock counts the year by the law's statutory days (暂定, services/holidays.py)."""
    __tablename__ = "holiday_year"
    year = db.Column(db.Integer, primary_key=True, autoincrement=False)
    complete = db.Column(db.Boolean, nullable=False, default=False)

    def __str__(self):
        return f"{self.year}年放假安排（{'已完整录入' if self.complete else '未完整录入，暂定'}）"
