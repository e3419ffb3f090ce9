"""What every area shares: the acting person (``Actor``), domain errors, the audit trail and the vocabulary.

Nothing here reads a Flask request: a view builds an ``Actor`` from its request, a CLI command or a job uses
``Actor.system()``, and the use cases take it as an argument.
"""
