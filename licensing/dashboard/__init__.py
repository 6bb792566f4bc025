"""The staff dashboard: what waits, what failed, revenue, and CSV exports."""
