"""iCalendar files and feeds."""
