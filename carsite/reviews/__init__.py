"""Reviews of sellers and the public seller page.

A buyer reviews the seller (with the car named) once their order was completed or their test drive held: once per
order, once per held drive, and once per buyer and car whichever came first (a buyer who test-drove a car and then
bought it reviews once). The seller replies once; the buyer may change the review for REVIEW_EDIT_DAYS days; admins
hide abusive reviews with a reason (audited; the author is told). ``seller_ratings`` sums each seller's visible
reviews (kept by a trigger in the writing transaction), so car pages and search cards join it by primary key.
"""
