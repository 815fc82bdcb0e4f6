"""Events, workshops and registrations."""
