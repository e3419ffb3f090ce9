"""Documents carsite prints: PDFs rendered from plain values, with no database, request or storage of their own.

The caller gathers the values (a deal, its parties, its car) and keeps the bytes; `bill_of_sale.render` is the first.
Text is set in the bundled DejaVu Sans (`fonts/`, Bitstream Vera licence in `fonts/LICENSE`), so any Latin, Greek or
Cyrillic name prints as written.
"""
