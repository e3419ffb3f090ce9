"""Selling: listings (``listings``), their workflow from draft through moderation to live (``workflow``), photos
(``photos``) and the listing form (``form``). ``views`` is the HTTP side."""
