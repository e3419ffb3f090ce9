-- name: hold_request
-- Hold a visitor's message until they confirm their address: the stored request's id. Only the hash of the
-- confirmation link's token is kept; the link works for :lifetime_seconds.
INSERT INTO contact_requests (token_hash, car_id, name, email, phone, message, utm, ip, expires_at)
VALUES (:token_hash, :car_id, :name, :email, :phone, :message, :utm::jsonb, :ip::inet,
        now() + make_interval(secs => :lifetime_seconds))
RETURNING id;

-- name: use_request
-- Spend a confirmation link: the held request, once; no row when the token is unknown, expired or already used
-- (request_state tells which).
UPDATE contact_requests
   SET confirmed_at = now()
 WHERE token_hash = :token_hash AND confirmed_at IS NULL AND expires_at > now()
RETURNING id, car_id, name, email, phone, message, utm;

-- name: pending_request
-- A held request its link may still send (unused, not expired), with the car it is about: what the confirmation
-- page shows before the person presses the button; no row otherwise (request_state tells why).
SELECT r.id, r.car_id, r.name, c.title, c.price, c.cover_photo, c.body, c.year, c.mileage_km, c.city
  FROM contact_requests r
  JOIN cars c ON c.id = r.car_id
 WHERE r.token_hash = :token_hash AND r.confirmed_at IS NULL AND r.expires_at > now();

-- name: request_state
-- Why a confirmation link does not work: whether it was used and whether it expired; no row when it is unknown (or
-- purged).
SELECT confirmed_at IS NOT NULL AS used, expires_at <= now() AS expired
  FROM contact_requests
 WHERE token_hash = :token_hash;

-- name: mark_delivered
-- Note the account and conversation a confirmed request was delivered to; the row count (0 for an unknown id).
UPDATE contact_requests SET user_id = :user_id, conversation_id = :conversation_id WHERE id = :request_id;

-- name: purge_requests
-- Delete held requests whose link expired more than :keep_days ago (confirmed or not: a delivered message lives in
-- its conversation); how many.
DELETE FROM contact_requests WHERE expires_at < now() - make_interval(days => :keep_days);

-- name: reveal_phone
-- The phone number of a car's seller for its page, counted as one reveal for the car today (UTC) unless the
-- seller themself asks (:viewer_id). No row, and nothing counted, unless the car is for sale (available) and its
-- seller, an active account, publishes a phone number (seller_settings.phone_public).
WITH shown AS (
    SELECT c.id AS car_id, c.seller_id, u.phone
      FROM cars c
      JOIN users u ON u.id = c.seller_id
      JOIN seller_settings s ON s.user_id = c.seller_id
     WHERE c.id = :car_id AND c.deleted_at IS NULL AND c.status = 'available'
       AND s.phone_public AND u.phone IS NOT NULL AND u.is_active AND u.deleted_at IS NULL
), counted AS (
    INSERT INTO car_contact_stats AS st (car_id, day, phone_reveals)
    SELECT car_id, (now() AT TIME ZONE 'UTC')::date, 1 FROM shown WHERE seller_id IS DISTINCT FROM :viewer_id::bigint
        ON CONFLICT (car_id, day) DO UPDATE SET phone_reveals = st.phone_reveals + 1
)
SELECT car_id, seller_id, phone FROM shown;

-- name: phone_public
-- Whether the account publishes its phone number on its car pages; false without a seller_settings row.
SELECT coalesce((SELECT phone_public FROM seller_settings WHERE user_id = :user_id), false);

-- name: set_phone_public
-- Publish or hide the account's phone number on its car pages (the other seller settings keep their values or
-- defaults); the row count (1).
INSERT INTO seller_settings AS s (user_id, phone_public)
VALUES (:user_id, :phone_public)
    ON CONFLICT (user_id) DO UPDATE SET phone_public = EXCLUDED.phone_public, updated_at = now();

-- name: hide_phone
-- Stop showing the account's phone number on its car pages (its number was removed); the row count (0 when it was
-- not shown).
UPDATE seller_settings SET phone_public = false, updated_at = now() WHERE user_id = :user_id AND phone_public;
