-- name: seller_settings
-- A seller's test drive settings (time zone, length of a drive, weekly opening hours), or the table's defaults
-- when they saved none (Europe/Berlin, 30 minutes, no hours); no row for an unknown user.
SELECT u.id AS user_id, COALESCE(s.time_zone, 'Europe/Berlin') AS time_zone,
       COALESCE(s.slot_minutes, 30) AS slot_minutes, COALESCE(s.opening_hours, '{}') AS opening_hours,
       s.user_id IS NOT NULL AS saved
  FROM users u
  LEFT JOIN seller_settings s ON s.user_id = u.id
 WHERE u.id = :user_id;

-- name: save_settings
-- Store a seller's time zone, length of a drive and opening hours (a new row, or the seller's row changed); the row.
INSERT INTO seller_settings (user_id, time_zone, slot_minutes, opening_hours)
VALUES (:user_id, :time_zone, :slot_minutes, :opening_hours::jsonb)
    ON CONFLICT (user_id) DO UPDATE
   SET time_zone = EXCLUDED.time_zone, slot_minutes = EXCLUDED.slot_minutes, opening_hours = EXCLUDED.opening_hours,
       updated_at = now()
RETURNING user_id, time_zone, slot_minutes, opening_hours;

-- name: insert_drive
-- A test drive its buyer asks for in a conversation, at up to three times (starts and ends in step, in that order);
-- the new row. No row when the conversation is unknown, already has an open (requested or confirmed) drive, or one
-- of its two members has blocked the other.
INSERT INTO test_drives (conversation_id, car_id, buyer_id, seller_id, proposed_by, slots, time_zone, note)
SELECT c.id, c.car_id, c.buyer_id, c.seller_id, 'buyer',
       ARRAY(SELECT tstzrange(t.s, t.e, '[)')
               FROM unnest(:starts::timestamptz[], :ends::timestamptz[]) WITH ORDINALITY AS t (s, e, n)
              ORDER BY t.n),
       :time_zone, :note
  FROM conversations c
 WHERE c.id = :conversation_id
   AND NOT EXISTS (SELECT FROM test_drives d
                    WHERE d.conversation_id = c.id AND d.status IN ('requested', 'confirmed'))
   AND NOT EXISTS (SELECT FROM user_blocks b
                    WHERE (b.blocker_id = c.buyer_id AND b.blocked_id = c.seller_id)
                       OR (b.blocker_id = c.seller_id AND b.blocked_id = c.buyer_id))
    ON CONFLICT (conversation_id) WHERE status IN ('requested', 'confirmed') DO NOTHING  -- a request sent at once
RETURNING *;

-- name: open_drive_of_conversation
-- The id of the conversation's requested or confirmed test drive; no row when it has none.
SELECT id FROM test_drives
 WHERE conversation_id = :conversation_id AND status IN ('requested', 'confirmed')
 ORDER BY id DESC
 LIMIT 1;

-- name: drive_for_member
-- One test drive with its car's title and city and both people's names and addresses, for its buyer or its seller;
-- no row for anyone else or an unknown id (a 404: ids cannot be probed).
SELECT d.*, c.title AS car_title, c.city AS car_city, b.name AS buyer_name, b.email AS buyer_email,
       s.name AS seller_name, s.email AS seller_email
  FROM test_drives d
  JOIN cars c ON c.id = d.car_id
  JOIN users b ON b.id = d.buyer_id
  JOIN users s ON s.id = d.seller_id
 WHERE d.id = :drive_id
   AND :user_id IN (d.buyer_id, d.seller_id);

-- name: lock_drive_for_member
-- drive_for_member, locked until the end of the transaction, for a change of its state, and whether one of the two
-- has blocked the other (blocked: then only a cancellation, without a note, is allowed); no row for anyone but its
-- buyer and seller.
SELECT d.*, c.title AS car_title, c.city AS car_city, b.name AS buyer_name, b.email AS buyer_email,
       s.name AS seller_name, s.email AS seller_email,
       EXISTS (SELECT FROM user_blocks ub
                WHERE (ub.blocker_id = d.buyer_id AND ub.blocked_id = d.seller_id)
                   OR (ub.blocker_id = d.seller_id AND ub.blocked_id = d.buyer_id)) AS blocked
  FROM test_drives d
  JOIN cars c ON c.id = d.car_id
  JOIN users b ON b.id = d.buyer_id
  JOIN users s ON s.id = d.seller_id
 WHERE d.id = :drive_id
   AND :user_id IN (d.buyer_id, d.seller_id)
   FOR UPDATE OF d;

-- name: drive_to_remind
-- A confirmed test drive starting at :starts_at, with its car and both people, for the reminder job; no row when it
-- was cancelled, rescheduled or is unknown (then nobody is reminded).
SELECT d.*, c.title AS car_title, c.city AS car_city, b.name AS buyer_name, b.email AS buyer_email,
       s.name AS seller_name, s.email AS seller_email
  FROM test_drives d
  JOIN cars c ON c.id = d.car_id
  JOIN users b ON b.id = d.buyer_id
  JOIN users s ON s.id = d.seller_id
 WHERE d.id = :drive_id
   AND d.status = 'confirmed'
   AND lower(d.slot) = :starts_at::timestamptz;

-- name: confirm_drive
-- Confirm a requested drive at one time, as a new version of its invitation; the row, or no row when it is no
-- longer requested. Fails with test_drives_no_overlap when another confirmed drive of the car overlaps that time.
UPDATE test_drives
   SET status = 'confirmed', slot = tstzrange(:starts_at, :ends_at, '[)'), confirmed_at = now(),
       ics_sequence = ics_sequence + 1
 WHERE id = :drive_id AND status = 'requested'
RETURNING *;

-- name: propose_times
-- One side proposes new times for a requested or confirmed drive (a counter-proposal or a reschedule): it is
-- requested again, for the other side to confirm, and its reminder is forgotten (the caller cancels the job); the
-- row, or no row when the drive is closed. A confirmed drive's invitation gets a new version (it is cancelled).
UPDATE test_drives
   SET status = 'requested', proposed_by = :side,
       slots = ARRAY(SELECT tstzrange(t.s, t.e, '[)')
                       FROM unnest(:starts::timestamptz[], :ends::timestamptz[]) WITH ORDINALITY AS t (s, e, n)
                      ORDER BY t.n),
       slot = NULL, confirmed_at = NULL, reminder_job_id = NULL,
       note = :note,
       ics_sequence = ics_sequence + CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END
 WHERE id = :drive_id AND status IN ('requested', 'confirmed')
RETURNING *;

-- name: close_drive
-- Move a drive out of :from_statuses to :status (declined, cancelled, held, no_show), with who cancelled and the
-- note given (an empty note keeps the old one); a cancelled confirmed drive's invitation gets a new version and its
-- reminder is forgotten. The row, or no row when the drive is not in one of :from_statuses.
UPDATE test_drives
   SET status = :status, cancelled_by = :cancelled_by,
       note = CASE WHEN :note::text <> '' THEN :note::text ELSE note END,
       reminder_job_id = CASE WHEN :status = 'cancelled' THEN NULL ELSE reminder_job_id END,
       ics_sequence = ics_sequence + CASE WHEN status = 'confirmed' AND :status = 'cancelled' THEN 1 ELSE 0 END
 WHERE id = :drive_id AND status = ANY(:from_statuses::text[])
RETURNING *;

-- name: set_reminder
-- Remember the job that will remind both sides of a confirmed drive; how many rows (0 for an unknown drive).
UPDATE test_drives SET reminder_job_id = :job_id WHERE id = :drive_id;

-- name: of_conversation
-- The test drives of a conversation, newest first, each held one with review_id (the buyer's review of it or of its
-- car, NULL when none); an empty list when it has none.
SELECT d.*,
       (SELECT r.id FROM reviews r
         WHERE d.status = 'held' AND (r.test_drive_id = d.id OR (r.author_id = d.buyer_id AND r.car_id = d.car_id))
         ORDER BY r.id LIMIT 1) AS review_id
  FROM test_drives d
 WHERE d.conversation_id = :conversation_id
 ORDER BY d.id DESC
 LIMIT 20;

-- name: busy_times
-- The times of a car's confirmed test drives that overlap [:from_at, :to_at), earliest first; empty when none do.
SELECT lower(slot) AS starts_at, upper(slot) AS ends_at
  FROM test_drives
 WHERE car_id = :car_id AND status = 'confirmed' AND slot && tstzrange(:from_at, :to_at, '[)')
 ORDER BY lower(slot);

-- name: conversation_members
-- A conversation's car, buyer and seller (for demo data and jobs, which act as its members); no row for an unknown id.
SELECT id, car_id, buyer_id, seller_id FROM conversations WHERE id = :conversation_id;
