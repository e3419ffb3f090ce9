DROP FUNCTION listing_is_public(text);
