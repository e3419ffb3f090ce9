"""Finance: what a car costs a month on a loan (an example for the buyer, not a credit offer).

``loans`` works out a loan exactly in Decimal (the rounding rule is in its docstring); ``views`` holds the JSON
endpoint the car page's calculator asks as a person types, and the ``per_month`` template filter for result cards.
"""
