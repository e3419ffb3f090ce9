"""Conversations between buyers and sellers: one per car and buyer, members only.

``conversations`` holds the rules every sender goes through (start one from a car, post a text or a system
message, find one as a member); the contact form, test drives and the inbox build on it.
"""
