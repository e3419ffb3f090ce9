"""Cars as buyers see them: search (``search``), car pages and what they show (``catalogue``), favourites
(``favorites``), comparison (``compare``) and batched page-view counts (``viewcounts``). ``views`` is the HTTP
side."""
