-- name: count_cars
-- How many cars exist (any status); 0 when none.
SELECT count(*) FROM cars;

-- name: count_listed
-- How many cars are listed (available, not deleted), from listing_counts; 0 when none.
SELECT coalesce(sum(cars), 0)::bigint FROM listing_counts;

-- name: analyze
-- Refresh the planner's statistics after a bulk load; no rows.
ANALYZE;

-- name: vacuum_cars
-- Set the visibility map after a bulk load, as autovacuum soon would (index-only scans rely on it); no rows.
VACUUM cars;

-- name: compact_counts
-- Rewrite listing_counts compactly after a bulk load, which rewrote each of its rows once per batch (far more
-- churn than autovacuum meets in a site's life); no rows.
VACUUM (FULL) listing_counts;

-- name: some_listed_car
-- One listed car (the newest), for benchmarks that need a real car page; an empty list when none is listed.
SELECT id, title FROM cars WHERE status = 'available' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: clear_price_ratings
-- Remove every price rating, so a benchmark starts from none; returns how many were removed.
DELETE FROM car_price_ratings;

-- name: change_some_prices
-- Change the price of about :share of the listed cars by up to 5 % either way (their price history records it, as
-- an edit's would); returns how many changed.
UPDATE cars
   SET price = round(price * (0.95 + random()::numeric * 0.1), -1)
 WHERE status = 'available' AND deleted_at IS NULL AND random() < :share;

-- name: count_listed_model
-- How many cars of :make :model are listed (from listing_counts); 0 when none.
SELECT coalesce(sum(cars), 0)::bigint FROM listing_counts WHERE make = :make AND model = :model;

-- name: price_rating_shares
-- How many cars have each price rating (NULL: too few comparables), most first; an empty list when none is rated.
SELECT rating, count(*) AS cars FROM car_price_ratings GROUP BY rating ORDER BY count(*) DESC;

-- name: cluster_processes
-- The server processes doing this database's work: its client backends and the cluster's background processes
-- (checkpointer, WAL writer, autovacuum ...), without the caller's own connection; one row (pid) each.
SELECT pid
  FROM pg_stat_activity
 WHERE pid <> pg_backend_pid()
   AND (datname = current_database() OR backend_type <> 'client backend');

-- name: match_terms_in_sql
-- What carsite.cars.terms now answers in memory, as the search did it in SQL before: kept so that
-- bench/catalogue_terms.py and tests/test_terms.py can compare both.
-- Catalogue makes and models each search term may stand for, from their names and aliases in any language: every
-- exact one (the term reads as the name or alias, by catalogue_key: "vw", "3er", "c klasse"), and for the terms
-- in :fuzzy_terms that have none, the three closest of each kind by trigram distance or word distance (typos:
-- "toyta"; the caller decides what is close enough), best first, each with the spelling it matched, its
-- similarity and whether exactly; no rows for a term without exact matches that is not fuzzy. Makes and models nobody lists are candidates too: the catalogue, not the listings, says what a word
-- means, so no listing can change how another make is found. (A fuzzy term costs about 1 ms: six nearest-first
-- index scans.)
WITH terms AS (
    SELECT u.term, catalogue_key(u.term) AS key, u.term = ANY (:fuzzy_terms::text[]) AS fuzzy
      FROM unnest(:terms::text[]) AS u(term)
), exact AS (
    SELECT t.term, f.make_id, f.model_id, f.spelling
      FROM terms t
     CROSS JOIN LATERAL (
            SELECT mk.id AS make_id, NULL::integer AS model_id, mk.name AS spelling FROM makes mk WHERE mk.key = t.key
            UNION ALL
            SELECT md.make_id, md.id, md.name FROM models md WHERE md.key = t.key
            UNION ALL
            SELECT a.make_id, a.model_id, a.alias FROM catalogue_aliases a WHERE a.key = t.key) AS f
), fuzzy AS (
    SELECT t.term, f.make_id, f.model_id, f.spelling,
           greatest(similarity(t.term, f.spelling), word_similarity(t.term, f.spelling)) AS score
      FROM terms t
     CROSS JOIN LATERAL (
            (SELECT mk.id AS make_id, NULL::integer AS model_id, mk.name AS spelling
               FROM makes mk ORDER BY t.term <-> mk.name LIMIT 3)
            UNION ALL
            (SELECT mk.id, NULL, mk.name FROM makes mk ORDER BY t.term <<-> mk.name LIMIT 3)
            UNION ALL
            (SELECT md.make_id, md.id, md.name FROM models md ORDER BY t.term <-> md.name LIMIT 3)
            UNION ALL
            (SELECT md.make_id, md.id, md.name FROM models md ORDER BY t.term <<-> md.name LIMIT 3)
            UNION ALL
            (SELECT a.make_id, a.model_id, a.alias FROM catalogue_aliases a ORDER BY t.term <-> a.alias LIMIT 3)
            UNION ALL
            (SELECT a.make_id, a.model_id, a.alias FROM catalogue_aliases a ORDER BY t.term <<-> a.alias LIMIT 3)
         ) AS f
     WHERE t.fuzzy AND NOT EXISTS (SELECT FROM exact e WHERE e.term = t.term)
), best AS (  -- each make or model once per term, by its best spelling
    SELECT DISTINCT ON (c.term, c.make_id, c.model_id)
           c.term, CASE WHEN c.model_id IS NULL THEN 'make' ELSE 'model' END AS kind, c.make_id, c.model_id,
           c.spelling, c.exact, c.score
      FROM (SELECT e.term, e.make_id, e.model_id, e.spelling, true AS exact, 1.0::real AS score FROM exact e
            UNION ALL
            SELECT f.term, f.make_id, f.model_id, f.spelling, false, f.score FROM fuzzy f) AS c
     ORDER BY c.term, c.make_id, c.model_id, c.exact DESC, c.score DESC
), ranked AS (
    SELECT b.*, row_number() OVER (PARTITION BY b.term, b.kind ORDER BY b.exact DESC, b.score DESC, b.make_id,
                                                                      b.model_id) AS rank
      FROM best b
)
SELECT r.term, r.kind, mk.name AS make, md.name AS model, r.spelling, r.exact, r.score
  FROM ranked r
  JOIN makes mk ON mk.id = r.make_id
  LEFT JOIN models md ON md.id = r.model_id
 WHERE r.exact OR r.rank <= 3
 ORDER BY r.term, r.kind, r.rank;

-- name: alert_users
-- Create (or find) :count benchmark accounts with confirmed addresses, named alerts-bench-N; their ids.
WITH made AS (
    INSERT INTO users (name, email, password_hash, role, email_verified_at)
    SELECT 'Alert Bench ' || n, 'alerts-bench-' || n || '@bench.carsite.test', 'no-login', 'user', now()
      FROM generate_series(1, :count) AS n
    ON CONFLICT DO NOTHING
    RETURNING id
)
SELECT id FROM made
UNION
SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test'
ORDER BY id;

-- name: alert_vocabulary
-- The listed make/model pairs, cities, fuels and bodies with the most cars, for generating saved searches.
SELECT (SELECT jsonb_agg(jsonb_build_array(make, model)) FROM (
            SELECT make, model FROM listing_counts GROUP BY make, model ORDER BY sum(cars) DESC LIMIT 80) m) AS models,
       (SELECT jsonb_agg(city) FROM (
            SELECT city FROM cars WHERE status = 'available' AND city IS NOT NULL
             GROUP BY city ORDER BY count(*) DESC LIMIT 40) c) AS cities;

-- name: alert_reset
-- Start an alert benchmark afresh: remove the benchmark accounts' saved searches, notifications and mail; how many
-- saved searches were removed.
WITH bench AS (SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test'),
     gone_mail AS (DELETE FROM mail_outbox WHERE user_id IN (SELECT id FROM bench)),
     gone_notes AS (DELETE FROM notifications WHERE user_id IN (SELECT id FROM bench)),
     gone_jobs AS (DELETE FROM procrastinate_jobs WHERE task_name = 'carsite.mail.deliver' AND queue_name = 'alerts'),
     gone AS (DELETE FROM saved_searches WHERE user_id IN (SELECT id FROM bench) RETURNING 1)
SELECT count(*) FROM gone;

-- name: alert_publish_day
-- A day's new cars: :count random listed cars get a published_at within the last day (up to two minutes ago), and
-- every benchmark saved search was last checked a day ago; how many cars were moved. Run after replica_role: the
-- trigger that keeps published_at (cars_stamp_published) would refuse the backdating.
WITH picked AS (
    SELECT id FROM cars WHERE status = 'available' AND deleted_at IS NULL ORDER BY random() LIMIT :count
), moved AS (
    UPDATE cars c SET published_at = now() - interval '2 minutes' - random() * interval '23 hours'
      FROM picked WHERE c.id = picked.id
    RETURNING 1
), checked AS (
    UPDATE saved_searches SET checked_until = now() - interval '1 day'
     WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test')
)
SELECT count(*) FROM moved;

-- name: alert_outbox
-- How many mails the benchmark accounts have queued.
SELECT count(*) FROM mail_outbox WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test');

-- name: replica_role
-- Skip triggers for the rest of this transaction (a benchmark's setup writes; needs a superuser); no rows.
SET LOCAL session_replication_role = replica;

-- name: analyze_alerts
-- Refresh the statistics of what an alert benchmark changed; no rows.
ANALYZE cars, saved_searches;

-- name: alert_clear_day
-- Move the cars published within the last day (by the seed) a day back, so that only a benchmark's own day of new
-- cars is new; how many moved. Run after replica_role, as alert_publish_day.
UPDATE cars SET published_at = published_at - interval '2 days'
 WHERE status = 'available' AND deleted_at IS NULL AND published_at > now() - interval '1 day';

-- name: messaging_accounts
-- Add accounts bench-<role>-1 … -:count@bench.carsite.test with role :role, :password_hash and a confirmed address
-- (the messaging benchmark's buyers and sellers); how many were added (0 on a rerun).
INSERT INTO users (name, email, password_hash, role, email_verified_at)
SELECT initcap(:role) || ' ' || n, 'bench-' || :role || '-' || n || '@bench.carsite.test', :password_hash, :role, now()
  FROM generate_series(1, :count) AS n
    ON CONFLICT DO NOTHING;

-- name: messaging_sizes
-- How many conversations, members and messages there are; one row.
SELECT (SELECT count(*) FROM conversations) AS conversations,
       (SELECT count(*) FROM conversation_members) AS members,
       (SELECT count(*) FROM messages) AS messages;

-- name: messaging_conversations
-- Start up to :count conversations between random bench buyers (some ask far more than others) and the sellers of
-- random listed cars (popular cars more often), created 1 to 180 days ago; how many were new (a pair drawn twice,
-- or already there, counts once).
WITH pool AS (
    SELECT (SELECT array_agg(id) FROM cars WHERE status = 'available' AND deleted_at IS NULL) AS cars,
           (SELECT array_agg(id) FROM users WHERE email LIKE 'bench-user-%@bench.carsite.test') AS buyers
), drawn AS (
    SELECT pool.cars[1 + floor(power(random(), 1.5) * cardinality(pool.cars))::int] AS car_id,
           pool.buyers[1 + floor(power(random(), 1.3) * cardinality(pool.buyers))::int] AS buyer_id,
           now() - interval '1 day' - random() * interval '179 days' AS created_at
      FROM pool, generate_series(1, :count)
)
INSERT INTO conversations (car_id, buyer_id, seller_id, created_at)
SELECT d.car_id, d.buyer_id, c.seller_id, d.created_at
  FROM drawn d
  JOIN cars c ON c.id = d.car_id
 WHERE c.seller_id <> d.buyer_id
    ON CONFLICT (car_id, buyer_id) DO NOTHING;

-- name: messaging_messages
-- Write messages into every conversation that has none: 1 to 2 × :per_conversation - 1 of them (a fixed draw per
-- conversation), buyer and seller in turn starting with the buyer, 47 minutes apart from the conversation's start,
-- in time order (so ids grow with time, as in a live site); how many were written.
INSERT INTO messages (conversation_id, sender_id, kind, body, created_at)
SELECT c.id, CASE WHEN k % 2 = 1 THEN c.buyer_id ELSE c.seller_id END, 'text',
       (ARRAY['Is it still available?', 'Yes, it is. When would you like to see it?',
              'Could you send more photos of the interior?', 'What is the lowest price you would take?',
              'Has the timing belt been changed? Any service history?', 'Saturday morning works for me.',
              'I can do 500 less if you pick it up this week.', 'Thanks, I will think about it and let you know.'])
           [1 + abs(hashint8(c.id * 31 + k)) % 8],
       c.created_at + k * interval '47 minutes'
  FROM conversations c
 CROSS JOIN LATERAL generate_series(1, 1 + (abs(hashint8(c.id)) % (2 * :per_conversation - 1))::int) AS k
 WHERE NOT EXISTS (SELECT FROM messages m WHERE m.conversation_id = c.id)
 ORDER BY c.created_at + k * interval '47 minutes';

-- name: messaging_last_messages
-- Record each conversation's newest message (what messages.post keeps) where it is not recorded yet; how many.
-- One index probe per such conversation (a join with an aggregate over all messages went quadratic when the
-- planner believed few conversations were missing theirs).
UPDATE conversations c
   SET (last_message_id, last_message_at) = (SELECT max(m.id), max(m.created_at)
                                               FROM messages m
                                              WHERE m.conversation_id = c.id)
 WHERE c.last_message_id IS NULL
   AND EXISTS (SELECT FROM messages m WHERE m.conversation_id = c.id);

-- name: messaging_members
-- Add both members of every conversation that has none: four in five have read everything, the others up to their
-- own last message (or nothing), with unread_count counted from the messages as messages.post keeps it; how many.
INSERT INTO conversation_members (conversation_id, user_id, role, last_message_at, last_read_message_id,
                                  last_read_at, unread_count)
SELECT c.id, who.user_id, who.role, c.last_message_at, r.read_id, c.last_message_at,
       (SELECT count(*)
          FROM messages m
         WHERE m.conversation_id = c.id
           AND m.id > coalesce(r.read_id, 0)
           AND m.sender_id IS DISTINCT FROM who.user_id)
  FROM conversations c
 CROSS JOIN LATERAL (VALUES (c.buyer_id, 'buyer'), (c.seller_id, 'seller')) AS who (user_id, role)
 CROSS JOIN LATERAL (
       SELECT CASE WHEN abs(hashint8(c.id * 2 + (who.role = 'buyer')::int)) % 5 = 0
                   THEN (SELECT max(m.id) FROM messages m WHERE m.conversation_id = c.id AND m.sender_id = who.user_id)
                   ELSE c.last_message_id END AS read_id) r
 WHERE c.last_message_id IS NOT NULL
   AND NOT EXISTS (SELECT FROM conversation_members x WHERE x.conversation_id = c.id);

-- name: messaging_vacuum
-- Set the visibility map and statistics of the messaging tables after a bulk load, as autovacuum soon would; no rows.
VACUUM (ANALYZE) conversations, conversation_members, messages;

-- name: messaging_sample
-- Members to measure the messaging pages for: the bench seller and the bench buyer with the most conversations,
-- then :per_role more of each role drawn at random (a fixed draw); id, email, role, number of conversations.
(SELECT u.id AS user_id, u.email, u.role, count(*) AS conversations
   FROM users u JOIN conversation_members cm ON cm.user_id = u.id
  WHERE u.email LIKE 'bench-seller-%'
  GROUP BY u.id
  ORDER BY count(*) DESC
  LIMIT 1)
UNION ALL
(SELECT u.id AS user_id, u.email, u.role, count(*) AS conversations
   FROM users u JOIN conversation_members cm ON cm.user_id = u.id
  WHERE u.email LIKE 'bench-user-%'
  GROUP BY u.id
  ORDER BY count(*) DESC
  LIMIT 1)
UNION ALL
(SELECT u.id, u.email, u.role, (SELECT count(*) FROM conversation_members x WHERE x.user_id = u.id)
   FROM users u
  WHERE u.email LIKE 'bench-seller-%'
    AND EXISTS (SELECT FROM conversation_members x WHERE x.user_id = u.id)
  ORDER BY hashint8(u.id)
  LIMIT :per_role)
UNION ALL
(SELECT u.id, u.email, u.role, (SELECT count(*) FROM conversation_members x WHERE x.user_id = u.id)
   FROM users u
  WHERE u.email LIKE 'bench-user-%'
    AND EXISTS (SELECT FROM conversation_members x WHERE x.user_id = u.id)
  ORDER BY hashint8(u.id)
  LIMIT :per_role);

-- name: messaging_conversations_of
-- The ids of a member's newest conversation and of a random other one, with each one's last message and the
-- message three before it (for polls that find something new); up to two rows.
(SELECT c.id, c.last_message_id,
        (SELECT m.id FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC OFFSET 3 LIMIT 1) AS older_id
   FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
  WHERE cm.user_id = :user_id
  ORDER BY cm.last_message_at DESC
  LIMIT 1)
UNION ALL
(SELECT c.id, c.last_message_id,
        (SELECT m.id FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC OFFSET 3 LIMIT 1) AS older_id
   FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
  WHERE cm.user_id = :user_id
  ORDER BY random()
  LIMIT 1);

-- name: messaging_busy_seller
-- Make bench-seller-1 a busy dealer: up to :count more conversations about their cars, with random bench buyers,
-- created 1 to 180 days ago; how many were new (the messages and members statements then fill them in).
WITH pool AS (
    SELECT (SELECT array_agg(c.id) FROM cars c JOIN users u ON u.id = c.seller_id
             WHERE u.email = 'bench-seller-1@bench.carsite.test' AND c.status = 'available'
               AND c.deleted_at IS NULL) AS cars,
           (SELECT array_agg(id) FROM users WHERE email LIKE 'bench-user-%@bench.carsite.test') AS buyers
), drawn AS (
    SELECT pool.cars[1 + floor(random() * cardinality(pool.cars))::int] AS car_id,
           pool.buyers[1 + floor(random() * cardinality(pool.buyers))::int] AS buyer_id,
           now() - interval '1 day' - random() * interval '179 days' AS created_at
      FROM pool, generate_series(1, :count)
     WHERE cardinality(pool.cars) > 0
)
INSERT INTO conversations (car_id, buyer_id, seller_id, created_at)
SELECT d.car_id, d.buyer_id, c.seller_id, d.created_at
  FROM drawn d
  JOIN cars c ON c.id = d.car_id
    ON CONFLICT (car_id, buyer_id) DO NOTHING;

-- name: messaging_conversations_of_user
-- How many conversations a member has; 0 when none.
SELECT count(*) FROM conversation_members WHERE user_id = (SELECT id FROM users WHERE email = :email);

-- name: orders_available_cars
-- Up to :count available cars that no order ever touched, for the buying benchmark (ids, lowest first).
SELECT c.id FROM cars c
 WHERE c.status = 'available' AND c.deleted_at IS NULL
   AND NOT EXISTS (SELECT FROM orders o WHERE o.car_id = c.id)
 ORDER BY c.id
 LIMIT :count;

-- name: orders_buyers
-- The ids of the accounts bench-user-1 … -:count (made by messaging_accounts), which are never sellers of a car.
SELECT u.id FROM users u
 WHERE u.email LIKE 'bench-user-%@bench.carsite.test'
   AND NOT EXISTS (SELECT FROM cars c WHERE c.seller_id = u.id)
 ORDER BY u.id
 LIMIT :count;

-- name: orders_live_per_car
-- For the buying benchmark's check: cars with more than one order that is not cancelled (0 expected), and cars
-- reserved or sold without such an order, among :car_ids.
SELECT (SELECT count(*) FROM (SELECT car_id FROM orders WHERE car_id = ANY(:car_ids::bigint[]) AND status <> 'cancelled'
                               GROUP BY car_id HAVING count(*) > 1) d) AS double_sales,
       (SELECT count(*) FROM cars c WHERE c.id = ANY(:car_ids::bigint[]) AND c.status IN ('reserved', 'sold')
           AND NOT EXISTS (SELECT FROM orders o WHERE o.car_id = c.id AND o.status <> 'cancelled')) AS orphaned,
       (SELECT count(*) FROM orders WHERE car_id = ANY(:car_ids::bigint[]) AND status <> 'cancelled') AS live_orders;
