DROP TABLE user_tokens;
