-- A DBA reading the database (psql \df+ and \dS, or schema/schema.sql) should learn what each function and
-- trigger is for without the migrations at hand. tests/test_sql_rules.py fails on any function or trigger of
-- carsite's without a comment.
COMMENT ON FUNCTION set_updated_at() IS
    'Trigger function (BEFORE UPDATE, FOR EACH ROW): sets updated_at to now(). Its arguments name columns whose '
    'changes alone leave updated_at as it was (on cars: view_count, and the generated columns, which a BEFORE '
    'trigger sees unset); without arguments every update moves updated_at.';
COMMENT ON FUNCTION count_listings() IS
    'Trigger function (AFTER INSERT, UPDATE or DELETE on cars, FOR EACH STATEMENT, transition tables old_rows and '
    'new_rows): keeps listing_counts, the number of listed cars (available, not deleted) per make, model, fuel, '
    'body, transmission, colour and condition, exact. An update changes only the counts of cars that left or '
    'entered one.';
COMMENT ON FUNCTION record_car_prices() IS
    'Trigger function (AFTER INSERT or UPDATE on cars, FOR EACH STATEMENT, transition tables): appends the price of '
    'each new car, and each changed price, to car_price_history.';
COMMENT ON FUNCTION listed_text_hits(text, integer) IS
    'The ids of the listed cars whose search document matches the web-search words, read from the text index; '
    'NULL when more than cap cars match or when the planner''s statistics make the words common (the search then '
    'walks its sort''s index instead); an empty array when nothing matches or the words are all stop words.';
COMMENT ON FUNCTION has_filter_tags(text[], text, text, text, text, text, text) IS
    'Whether a car''s filter_tags carry every chosen categorical filter value (NULL: any); true when none is '
    'chosen. One SQL expression, inlined by the planner into a plain filter_tags @> ... that the GIN and covering '
    'indexes serve.';

COMMENT ON TRIGGER users_set_updated_at ON users IS
    'Keeps users.updated_at at the time of the last change (set_updated_at).';
COMMENT ON TRIGGER orders_set_updated_at ON orders IS
    'Keeps orders.updated_at at the time of the last change (set_updated_at).';
COMMENT ON TRIGGER inquiries_set_updated_at ON inquiries IS
    'Keeps inquiries.updated_at at the time of the last change (set_updated_at).';
COMMENT ON TRIGGER cars_set_updated_at ON cars IS
    'Keeps cars.updated_at (the sitemap''s lastmod) at the time of the last change to the listing; a view-count '
    'flush alone leaves it (set_updated_at with the columns to ignore).';
COMMENT ON TRIGGER cars_count_inserted ON cars IS
    'Adds inserted listed cars to listing_counts (count_listings).';
COMMENT ON TRIGGER cars_count_updated ON cars IS
    'Moves updated cars between listing_counts rows when their status, deletion or a counted filter value changed '
    '(count_listings).';
COMMENT ON TRIGGER cars_count_deleted ON cars IS
    'Removes deleted listed cars from listing_counts (count_listings).';
COMMENT ON TRIGGER cars_record_inserted_prices ON cars IS
    'Starts the price history of inserted cars (record_car_prices).';
COMMENT ON TRIGGER cars_record_updated_prices ON cars IS
    'Records every changed asking price in car_price_history (record_car_prices).';
