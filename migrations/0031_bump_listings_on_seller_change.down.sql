DROP TRIGGER users_bump_listings ON users;
