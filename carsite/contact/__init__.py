"""Contacting a seller from a car page: a logged-in buyer's question, a visitor's message held until they confirm
their address, the seller's notification, and the seller's phone number revealed on request (and counted)."""
