-- name: start
-- The conversation of a car and a buyer, made with its two members when it is new: its id, the seller's id and
-- whether it was created now. No row when the car does not exist (or is deleted).
WITH car AS (
    SELECT id, seller_id FROM cars WHERE id = :car_id AND deleted_at IS NULL
), conversation AS (
    INSERT INTO conversations (car_id, buyer_id, seller_id)
    SELECT id, :buyer_id, seller_id FROM car
        ON CONFLICT (car_id, buyer_id) DO UPDATE SET car_id = EXCLUDED.car_id
    RETURNING id, seller_id, (xmax = 0) AS created
), members AS (
    INSERT INTO conversation_members (conversation_id, user_id, role)
    SELECT id, :buyer_id, 'buyer' FROM conversation
     UNION ALL
    SELECT id, seller_id, 'seller' FROM conversation
        ON CONFLICT (conversation_id, user_id) DO NOTHING
)
SELECT id, seller_id, created FROM conversation;

-- name: post
-- Add a message to a conversation and keep its bookkeeping in the same statement: the conversation's newest
-- message, each member's place in the inbox (an archived conversation comes back), the other member's unread count,
-- the sender's own read position (who writes has read what came before: their count goes to 0), and, when the
-- seller writes, the buyer's open inquiries of the conversation closed as answered. The new message; no row when a
-- text's sender and the other member have blocked one another (either way round), so nothing is stored. A system
-- message (sender_id NULL) is unread for all.
WITH allowed AS (
    SELECT c.id
      FROM conversations c
     WHERE c.id = :conversation_id
       AND (:kind = 'system' OR NOT EXISTS (
               SELECT FROM user_blocks b
                WHERE (b.blocker_id = c.buyer_id AND b.blocked_id = c.seller_id)
                   OR (b.blocker_id = c.seller_id AND b.blocked_id = c.buyer_id)))
), message AS (
    INSERT INTO messages (conversation_id, sender_id, kind, body)
    SELECT id, :sender_id, :kind, :body FROM allowed
    RETURNING id, conversation_id, sender_id, kind, body, created_at
), conversation AS (
    UPDATE conversations c
       SET last_message_id = greatest(c.last_message_id, m.id),
           last_message_at = greatest(c.last_message_at, m.created_at)
      FROM message m
     WHERE c.id = m.conversation_id
), members AS (
    UPDATE conversation_members cm
       SET last_message_at = greatest(cm.last_message_at, m.created_at),
           archived_at = NULL,
           unread_count = CASE WHEN cm.user_id = m.sender_id THEN 0 ELSE cm.unread_count + 1 END,
           last_read_message_id = CASE WHEN cm.user_id = m.sender_id
                                       THEN greatest(cm.last_read_message_id, m.id)
                                       ELSE cm.last_read_message_id END,
           last_read_at = CASE WHEN cm.user_id = m.sender_id THEN m.created_at ELSE cm.last_read_at END
      FROM message m
     WHERE cm.conversation_id = m.conversation_id
), answered AS (
    UPDATE inquiries i
       SET status = 'closed', answered_at = m.created_at
      FROM message m
      JOIN conversations c ON c.id = m.conversation_id
     WHERE i.conversation_id = m.conversation_id AND i.status = 'open' AND m.sender_id = c.seller_id
)
SELECT id, conversation_id, sender_id, kind, body, created_at FROM message;

-- name: membership
-- A conversation as one of its members sees it: the conversation, the member's role and read position, and the
-- other member's id. No row when there is no such conversation or the user is not a member (a 404: ids cannot be
-- probed).
SELECT c.id, c.car_id, c.buyer_id, c.seller_id, c.created_at, c.last_message_id, c.last_message_at,
       me.role, me.last_read_message_id, me.unread_count, me.archived_at,
       CASE WHEN me.role = 'buyer' THEN c.seller_id ELSE c.buyer_id END AS other_id
  FROM conversations c
  JOIN conversation_members me ON me.conversation_id = c.id AND me.user_id = :user_id
 WHERE c.id = :conversation_id;

-- name: of_car_and_buyer
-- The conversation of a car and a buyer: its id, or no row when they have none yet.
SELECT id FROM conversations WHERE car_id = :car_id AND buyer_id = :buyer_id;

-- name: add_inquiry
-- Record a contact from a car page (general or test drive) in the conversation it started or continued; its id.
INSERT INTO inquiries (car_id, user_id, seller_id, message, kind, requested_date, conversation_id, message_id, source,
                       utm)
VALUES (:car_id, :user_id, :seller_id, :message, :kind, :requested_date, :conversation_id, :message_id, :source,
        :utm::jsonb)
RETURNING id;

-- name: inbox
-- One page of a member's conversations, newest message first (keyset over the member's last_message_at and the
-- conversation id: after_at / after_id from the previous page's last row, NULL for the first), archived ones or the
-- others: each with its car (title, price, status, cover photo), the other member's name and the newest message
-- (its first 200 characters, and whether the member wrote it). An empty list when there are none.
SELECT c.id, c.car_id, me.role, me.unread_count, me.archived_at, me.last_message_at,
       car.title, car.price, car.status, car.cover_photo, car.body, (car.deleted_at IS NOT NULL) AS car_removed,
       other.name AS other_name, (other.deleted_at IS NOT NULL) AS other_gone,
       m.id AS last_message_id, m.kind AS last_kind, left(m.body, 200) AS last_body, m.created_at AS last_created_at,
       (m.sender_id = :user_id) AS last_mine,
       (SELECT count(*) FROM message_attachments a WHERE a.message_id = m.id)::int AS last_attachments
  FROM conversation_members me
  JOIN conversations c ON c.id = me.conversation_id
  JOIN cars car ON car.id = c.car_id
  JOIN users other ON other.id = CASE WHEN me.role = 'buyer' THEN c.seller_id ELSE c.buyer_id END
  LEFT JOIN messages m ON m.id = c.last_message_id
 WHERE me.user_id = :user_id
   AND (me.archived_at IS NOT NULL) = :archived
   AND (:after_at::timestamptz IS NULL
        OR (me.last_message_at, me.conversation_id) < (:after_at::timestamptz, :after_id::bigint))
 ORDER BY me.last_message_at DESC, me.conversation_id DESC
 LIMIT :limit;

-- name: conversation_page
-- A conversation as one of its members opens it, in one row per test drive of the conversation (one row with the
-- drive_* columns NULL when it has none): the conversation and the member's read position; the other member (name,
-- how far they read, and when); the car (title, price, status, cover photo); who blocked whom; the seller's test
-- drive settings (seller_time_zone, seller_slot_minutes, seller_opening_hours: the defaults when none are saved) and
-- the car's confirmed drives of the next :offer_days days (car_busy, ranges: the free times the panel offers); the
-- conversation's trade-ins, newest first (trade_ins: conversation_trade_ins(), a JSON list, offer_amount as
-- text); and the drive's columns as drive_<column> (and drive_review_id: the buyer's review of a held drive or of
-- its car, NULL when none). No row when there is no such conversation or the user is not a member
-- (404).
SELECT c.id, c.car_id, c.buyer_id, c.seller_id, c.created_at, c.last_message_id,
       me.role, me.last_read_message_id, me.unread_count, me.archived_at,
       them.user_id AS other_id, other.name AS other_name, (other.deleted_at IS NOT NULL) AS other_gone,
       them.last_read_message_id AS other_read_id, them.last_read_at AS other_read_at,
       car.title, car.price, car.status, car.cover_photo, car.body, car.year, car.mileage_km,
       (car.deleted_at IS NOT NULL) AS car_removed,
       EXISTS (SELECT FROM user_blocks b WHERE b.blocker_id = me.user_id AND b.blocked_id = them.user_id) AS i_blocked,
       EXISTS (SELECT FROM user_blocks b WHERE b.blocker_id = them.user_id AND b.blocked_id = me.user_id)
         AS blocked_me,
       d.id AS drive_id, d.conversation_id AS drive_conversation_id, d.car_id AS drive_car_id,
       d.buyer_id AS drive_buyer_id, d.seller_id AS drive_seller_id, d.status AS drive_status,
       d.proposed_by AS drive_proposed_by, d.slots AS drive_slots, d.slot AS drive_slot,
       d.time_zone AS drive_time_zone, d.note AS drive_note, d.reminder_job_id AS drive_reminder_job_id,
       d.cancelled_by AS drive_cancelled_by, d.created_at AS drive_created_at, d.updated_at AS drive_updated_at,
       d.confirmed_at AS drive_confirmed_at, d.ics_sequence AS drive_ics_sequence,
       (SELECT r.id FROM reviews r
         WHERE d.status = 'held' AND (r.test_drive_id = d.id OR (r.author_id = d.buyer_id AND r.car_id = d.car_id))
         ORDER BY r.id LIMIT 1) AS drive_review_id,
       coalesce(ss.time_zone, 'Europe/Berlin') AS seller_time_zone, coalesce(ss.slot_minutes, 30) AS seller_slot_minutes,
       coalesce(ss.opening_hours, '{}') AS seller_opening_hours,
       ARRAY(SELECT b.slot FROM test_drives b
              WHERE b.car_id = c.car_id AND b.status = 'confirmed'
                AND b.slot && tstzrange(now(), now() + make_interval(days => :offer_days), '[)')
              ORDER BY lower(b.slot)) AS car_busy,
       conversation_trade_ins(c.id) AS trade_ins
  FROM conversations c
  JOIN conversation_members me ON me.conversation_id = c.id AND me.user_id = :user_id
  JOIN conversation_members them ON them.conversation_id = c.id AND them.user_id <> :user_id
  JOIN users other ON other.id = them.user_id
  JOIN cars car ON car.id = c.car_id
  LEFT JOIN seller_settings ss ON ss.user_id = c.seller_id
  LEFT JOIN test_drives d ON d.conversation_id = c.id
 WHERE c.id = :conversation_id
 ORDER BY d.id;

-- name: messages_page
-- Messages of a conversation, newest first: at most :limit, those before :before_id and after :after_id when given
-- (NULL: no bound), each with its attachments (a JSON list of id, name, content_type, size_bytes, width, height).
-- An empty list when there are none.
SELECT m.id, m.sender_id, m.kind, m.body, m.created_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'name', a.original_name,
                                                     'content_type', a.content_type, 'size_bytes', a.size_bytes,
                                                     'width', a.width, 'height', a.height) ORDER BY a.id)
                   FROM message_attachments a WHERE a.message_id = m.id), '[]'::jsonb) AS attachments
  FROM messages m
 WHERE m.conversation_id = :conversation_id
   AND (:before_id::bigint IS NULL OR m.id < :before_id::bigint)
   AND (:after_id::bigint IS NULL OR m.id > :after_id::bigint)
 ORDER BY m.id DESC
 LIMIT :limit;

-- name: mark_read
-- A member has seen the conversation up to message :up_to_id: their read position moves there (never back), and
-- their unread count drops by the messages from others it passed over (0 when the page showed the newest). The
-- count is lowered, never recounted: a message posted while this waits on the row (its post adds 1 to the count)
-- stays unread even though this statement's snapshot does not see it. Returns the new unread count and what it was
-- before; no row when nothing changed or the user is not a member.
UPDATE conversation_members me
   SET last_read_message_id = greatest(me.last_read_message_id, :up_to_id::bigint),
       last_read_at = now(),
       unread_count = greatest(0, me.unread_count - (
                        SELECT count(*) FROM messages m
                         WHERE m.conversation_id = me.conversation_id
                           AND m.id > coalesce(me.last_read_message_id, 0) AND m.id <= :up_to_id::bigint
                           AND m.sender_id IS DISTINCT FROM me.user_id))
  FROM conversation_members before
 WHERE me.conversation_id = :conversation_id AND me.user_id = :user_id
   AND before.conversation_id = me.conversation_id AND before.user_id = me.user_id
   AND (me.last_read_message_id IS NULL OR me.last_read_message_id < :up_to_id::bigint OR me.unread_count > 0)
RETURNING me.unread_count, before.unread_count AS unread_before;

-- name: poll_session
-- sessions.user_for_session (the same columns, the same rule: only a live session of an active account) and, in
-- the same round trip, the state a poll of conversation :conversation_id compares with the browser's: poll_member
-- (false when the user is not a member: a 404), the newest message's id, and how far the other member read
-- (poll_read_up_to, poll_read_at). No row when the session is not live. Keep its user columns those of
-- user_for_session (tests/test_messages.py checks).
SELECT u.id, u.name, u.email, u.role, u.email_verified_at, u.avatar,
       s.id AS session_id, s.last_seen_at,
       ARRAY(SELECT cc.car_id FROM compared_cars cc WHERE cc.user_id = u.id ORDER BY cc.added_at, cc.slot)
         AS compare_ids,
       (SELECT count(*) FROM (SELECT FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL LIMIT 10) n)::int
         AS unread_notifications,
       (SELECT coalesce(sum(cm.unread_count), 0) FROM conversation_members cm
         WHERE cm.user_id = u.id AND cm.unread_count > 0)::int AS unread_messages,
       (me.user_id IS NOT NULL) AS poll_member, c.last_message_id AS poll_last_message_id,
       them.last_read_message_id AS poll_read_up_to, them.last_read_at AS poll_read_at
  FROM user_sessions s
  JOIN users u ON u.id = s.user_id
  LEFT JOIN conversation_members me ON me.conversation_id = :conversation_id AND me.user_id = u.id
  LEFT JOIN conversations c ON c.id = me.conversation_id
  LEFT JOIN conversation_members them ON them.conversation_id = me.conversation_id AND them.user_id <> u.id
 WHERE s.token_hash = :token_hash
   AND s.revoked_at IS NULL
   AND s.expires_at > now()
   AND u.is_active
   AND u.deleted_at IS NULL;

-- name: set_archived
-- A member archives (:archived true) or brings back a conversation; the row count is 0 when the user is not a
-- member.
UPDATE conversation_members
   SET archived_at = CASE WHEN :archived THEN coalesce(archived_at, now()) END
 WHERE conversation_id = :conversation_id AND user_id = :user_id;

-- name: block
-- A person blocks another (nothing happens when they already did); the row count is 1 when the block is new.
INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (:blocker_id, :blocked_id)
    ON CONFLICT (blocker_id, blocked_id) DO NOTHING;

-- name: unblock
-- A person lifts their block of another; the row count is 0 when there was none.
DELETE FROM user_blocks WHERE blocker_id = :blocker_id AND blocked_id = :blocked_id;

-- name: add_attachment
-- Record a file stored with a message of a conversation; its id.
INSERT INTO message_attachments (message_id, conversation_id, file, original_name, content_type, size_bytes, width,
                                 height)
VALUES (:message_id, :conversation_id, :file, :original_name, :content_type, :size_bytes, :width, :height)
RETURNING id;

-- name: attachment_for_member
-- An attachment of a conversation as one of its members downloads it: the stored file's name, the original name
-- and the content type. No row when the attachment is not of that conversation or the user is not a member (404).
SELECT a.id, a.file, a.original_name, a.content_type, a.size_bytes
  FROM message_attachments a
  JOIN conversation_members me ON me.conversation_id = a.conversation_id AND me.user_id = :user_id
 WHERE a.id = :attachment_id AND a.conversation_id = :conversation_id;

-- name: demo_backdate
-- Demo data only: move messages back in time (parallel arrays of message ids and minutes ago) and their
-- conversations' and members' times with them, so the demo inbox reads like days of use; returns the number of
-- member rows moved.
WITH shifted AS (
    UPDATE messages m SET created_at = now() - make_interval(mins => x.minutes)
      FROM unnest(:ids::bigint[], :minutes::int[]) AS x(id, minutes)
     WHERE m.id = x.id
    RETURNING m.conversation_id, m.created_at
), latest AS (
    SELECT conversation_id, max(created_at) AS at FROM shifted GROUP BY conversation_id
), conversation AS (
    UPDATE conversations c SET last_message_at = l.at FROM latest l WHERE c.id = l.conversation_id
)
UPDATE conversation_members cm
   SET last_message_at = l.at,
       last_read_at = CASE WHEN cm.last_read_at IS NOT NULL THEN l.at + interval '3 minutes' END
  FROM latest l
 WHERE cm.conversation_id = l.conversation_id;

-- name: mail_due
-- Claim the next :limit members due a new-message mail and record it (mailed_message_id, in the caller's
-- transaction, with the mail queued beside it): members with messages from the other side after what they read
-- and were mailed, the oldest of them written at least :delay_minutes before :now, in conversations active within
-- :horizon_days and where neither member blocked the other. Per member: the conversation, the count of those
-- messages, the newest one's id (now mailed_message_id) and the first five (body cut to 300 characters, created_at),
-- the other member's name and the car's title. Empty when nobody is due. A member claimed by a concurrent run is
-- skipped (the claim checks mailed_message_id is still what was read).
WITH candidates AS (
    SELECT cm.conversation_id, cm.user_id, cm.mailed_message_id, c.car_id,
           greatest(coalesce(cm.last_read_message_id, 0), coalesce(cm.mailed_message_id, 0)) AS after_id,
           CASE WHEN cm.role = 'buyer' THEN c.seller_id ELSE c.buyer_id END AS other_id
      FROM conversation_members cm
     -- one primary-key probe per candidate (LIMIT keeps the planner from hashing the whole conversations table
     -- for the few hundred members the partial index gives)
     CROSS JOIN LATERAL (
           SELECT c.car_id, c.buyer_id, c.seller_id, c.last_message_id
             FROM conversations c
            WHERE c.id = cm.conversation_id
            LIMIT 1) c
     WHERE cm.unread_count > 0
       AND cm.last_message_at > :now::timestamptz - make_interval(days => :horizon_days)
       AND c.last_message_id > coalesce(cm.mailed_message_id, 0)
       AND NOT EXISTS (
               SELECT FROM user_blocks b
                WHERE (b.blocker_id = c.buyer_id AND b.blocked_id = c.seller_id)
                   OR (b.blocker_id = c.seller_id AND b.blocked_id = c.buyer_id))
), due AS (
    SELECT candidates.*
      FROM candidates
      JOIN LATERAL (
           SELECT m.created_at
             FROM messages m
            WHERE m.conversation_id = candidates.conversation_id
              AND m.id > candidates.after_id
              AND m.sender_id = candidates.other_id
            ORDER BY m.id
            LIMIT 1) first ON true
     WHERE first.created_at <= :now::timestamptz - make_interval(mins => :delay_minutes)
     ORDER BY first.created_at
     LIMIT :limit
), summary AS (
    SELECT due.conversation_id, due.user_id, due.mailed_message_id, due.car_id, due.other_id, s.unread,
           s.newest_id, s.shown
      FROM due
     CROSS JOIN LATERAL (
           SELECT count(*) AS unread, max(m.id) AS newest_id,
                  (array_agg(jsonb_build_object('body', left(m.body, 300), 'created_at', m.created_at)
                             ORDER BY m.id))[1:5] AS shown
             FROM messages m
            WHERE m.conversation_id = due.conversation_id
              AND m.id > due.after_id
              AND m.sender_id = due.other_id) s
), claimed AS (
    UPDATE conversation_members cm
       SET mailed_message_id = summary.newest_id
      FROM summary
     WHERE cm.conversation_id = summary.conversation_id
       AND cm.user_id = summary.user_id
       AND cm.mailed_message_id IS NOT DISTINCT FROM summary.mailed_message_id
    RETURNING cm.conversation_id, cm.user_id, summary.unread, summary.newest_id, summary.shown, summary.car_id,
              summary.other_id
)
SELECT claimed.conversation_id, claimed.user_id, claimed.unread, claimed.newest_id,
       to_jsonb(claimed.shown) AS shown, coalesce(u.name, 'A member') AS other_name, car.title AS car_title
  FROM claimed
  JOIN cars car ON car.id = claimed.car_id
  LEFT JOIN users u ON u.id = claimed.other_id
 ORDER BY claimed.conversation_id, claimed.user_id;
