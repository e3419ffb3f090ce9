DROP TRIGGER seller_settings_bump_listings_updated ON seller_settings;
DROP TRIGGER seller_settings_bump_listings_inserted ON seller_settings;
DROP TRIGGER inquiries_count_contact ON inquiries;
DROP FUNCTION count_car_contact();
DROP TABLE car_contact_stats;
DROP TABLE contact_requests;
