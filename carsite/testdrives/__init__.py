"""Test drives booked in a conversation: the buyer asks for up to three times, the other side confirms one; either
side may propose other times, cancel or reschedule, and the seller marks a drive held or a no-show afterwards.

The database refuses two confirmed drives of one car that overlap (test_drives_no_overlap); confirmations carry an
iCalendar invitation, and a job reminds both sides the day before. Times are in the seller's time zone.
"""
