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
-- and the sender's own read position (who writes has read what came before: their count goes to 0). The new message; no row when a text's sender and the other member have
-- blocked one another (either way round), so nothing is stored. A system message (sender_id NULL) is unread for all.
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
       AND cm.last_message_at > :now - make_interval(days => :horizon_days)
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
     WHERE first.created_at <= :now - make_interval(mins => :delay_minutes)
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
