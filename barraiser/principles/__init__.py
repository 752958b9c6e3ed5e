"""The leadership-principle catalog: the criteria every loop is judged against."""
