-- name: add_user
-- Insert a user and return the id; users_email_key fires on a duplicate email in any letter case.
INSERT INTO users (name, email, password_hash) VALUES (:name, :email, 'not-a-hash') RETURNING id;

-- name: user_name
-- The user's name; no row for an unknown id.
SELECT name FROM users WHERE id = :user_id;

-- name: rename_user
-- Set a user's name; the row count is 0 for an unknown id.
UPDATE users SET name = :name WHERE id = :user_id;

-- name: users_named
-- Every user with this name (ids ascending).
SELECT id, name FROM users WHERE name = :name ORDER BY id;

-- name: add_car
-- Insert a car for a seller (cars_seller_id_fkey fires for an unknown seller); returns the id.
INSERT INTO cars (seller_id, title, price, make, model, year, fuel, mileage_km, transmission, body, colour)
VALUES (:seller_id, 'Probe car', 1000, 'Probe', 'One', 2020, 'petrol', 1000, 'manual', 'sedan', 'red')
RETURNING id;

-- name: add_review
-- Insert a review (reviews_rating_check fires outside 1-5); returns the id.
INSERT INTO reviews (seller_id, author_name, car_id, car_title, source, rating, body)
VALUES (:user_id, 'Probe', :car_id, 'Probe car', 'order', :rating, 'Fine.') RETURNING id;

-- name: tricky_text
-- None of the quoted ':names', casts, dollar bodies or comments are parameters; one row.
SELECT '100%' AS pct, 7 % 3 AS modulo, ':not_a_param' AS quoted, $$ :neither $$ AS dollar,
       E'it\'s :also_not' AS escaped, /* :comment */ :value::int + 1 AS next, "x" FROM (SELECT 1 AS "x") AS t;

-- name: same_param_twice
-- The same parameter used twice becomes one placeholder; one row.
SELECT :n::int AS a, :n::int * 2 AS b;

-- name: backend_pid
-- The server process id of the connection that ran it; one row.
SELECT pg_backend_pid() AS pid;

-- name: my_query_text
-- The text of the statement this connection is running, as pg_stat_activity shows it; one row.
SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid();

-- name: sleep
-- Sleep on the server for the given seconds; one row.
SELECT pg_sleep(:seconds) AS slept;

-- name: isolation
-- The current transaction's isolation level; one row.
SELECT current_setting('transaction_isolation') AS level;

-- name: two_rows
-- Always two rows.
SELECT generate_series(1, 2) AS n;

-- name: no_rows
-- Never a row.
SELECT 1 AS n WHERE false;

-- name: touch_nothing
-- An UPDATE that matches nothing: no rows, row count 0.
UPDATE users SET name = name WHERE false;

-- name: divide
-- Divide; a division by zero raises 22012.
SELECT 1 / :d::int AS q;

-- name: count_named
-- plan: custom
-- How many users with an id above :min_id are named :name (any name when NULL); one row.
SELECT count(*) AS n FROM users WHERE (:name::text IS NULL OR name = :name) AND id > :min_id;

-- name: name_once_planned
-- plan: generic
-- The user's name; no row for an unknown id.
SELECT name FROM users WHERE id = :user_id;

-- name: prepared_plans
-- How often each statement prepared on this connection whose text starts with :prefix was planned for its values
-- (custom) and ran on its one plan (generic); one row per statement, none when there is none.
SELECT custom_plans AS custom, generic_plans AS generic FROM pg_prepared_statements WHERE starts_with(statement, :prefix);

-- name: statement_timeout
-- The connection's statement_timeout as SHOW prints it; one row.
SELECT current_setting('statement_timeout') AS timeout;
