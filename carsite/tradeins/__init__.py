"""Trade-ins (part exchange): the buyer of a conversation or of a reservation describes a car to trade in, with
photos; the seller records an offer for it, which the buyer accepts or declines.

Only the two parties see a trade-in and its photos (admins may look); the conversation page shows the trade-ins
through ``tradeins/_panel.html`` (the ``trade_in_panel`` template function reads what it shows).
"""
