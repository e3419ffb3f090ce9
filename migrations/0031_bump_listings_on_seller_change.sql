-- Car pages and the API show the seller's name and role (users), so a rename or a change of role is a change of the
-- listings data: it bumps that version like a change of the car itself, and pages validated by it are fresh at once.
CREATE TRIGGER users_bump_listings AFTER UPDATE OF name, role ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION bump_data_version('listings');
COMMENT ON TRIGGER users_bump_listings ON users IS
    'Bumps the listings data version when a seller''s name or role changes: car pages show both (bump_data_version).';
