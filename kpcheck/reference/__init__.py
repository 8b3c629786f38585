"""Reference data: KP participants, EAEU members, registers and the working-day calendar, answered as of a date."""
