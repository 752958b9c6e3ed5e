"""The home page: what is each user's to do now."""
