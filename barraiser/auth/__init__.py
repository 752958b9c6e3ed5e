"""Users, roles, Bar Raiser certification, login and logout, and the user admin pages."""
