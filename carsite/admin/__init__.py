"""Admin pages: accounts, the audit log, moderation. The rules live in the areas' use cases
(``accounts.management``, ``selling.workflow``); these are their admin screens."""
