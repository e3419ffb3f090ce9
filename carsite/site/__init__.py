"""The site as a whole: home page, crawler files and health checks."""
