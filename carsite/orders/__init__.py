"""Buying: a buyer reserves a car, the seller accepts and completes the sale (or either side cancels), with deal
numbers, payment scenarios and the bill of sale (``reservations``, ``scenarios``, ``documents``, ``lists``).

No money moves through carsite: an order records the agreement.
"""
