"""Accounts: sign-up and email confirmation (``signup``), logging in (``login``), forgotten passwords
(``recovery``), a person's own account (``profile``) and admins' account management (``management``).
``views`` is the HTTP side of all of them."""
