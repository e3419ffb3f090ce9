"""Reports to the moderators: conversations and listings people report, and what the admins decide."""
