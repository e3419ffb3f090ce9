-- name: insert_report
-- File a report (status open); its id, or no row when the reporter has an open report on this target already
-- (the partial unique index reports_open_key decides, so two tabs file one report).
INSERT INTO reports (reporter_id, kind, conversation_id, car_id, reason, details)
VALUES (:reporter_id, :kind, :conversation_id, :car_id, :reason, :details)
    ON CONFLICT (reporter_id, kind, coalesce(conversation_id, car_id)) WHERE status = 'open' DO NOTHING
RETURNING id;

-- name: open_report_of
-- The reporter's open report on a conversation (:conversation_id) or, when it is NULL, on the car as a listing:
-- its id and when it was filed; no row when there is none.
SELECT id, created_at
  FROM reports
 WHERE reporter_id = :reporter_id
   AND status = 'open'
   AND kind = CASE WHEN :conversation_id::bigint IS NULL THEN 'car' ELSE 'conversation' END
   AND coalesce(conversation_id, car_id) = coalesce(:conversation_id::bigint, :car_id::bigint);

-- name: open_queue
-- The moderators' queue: open reports, oldest first, at most :limit, each with the reporter's name, the car's title
-- and seller, and for a conversation its buyer's and seller's names. An empty list when nothing is open.
SELECT r.id, r.kind, r.conversation_id, r.car_id, r.reason, r.details, r.created_at, r.reporter_id,
       coalesce(reporter.name, 'A deleted account') AS reporter_name,
       car.title AS car_title, car.seller_id, car.deleted_at AS car_deleted_at, car.status AS car_status,
       seller.name AS seller_name, c.buyer_id, buyer.name AS buyer_name
  FROM reports r
  JOIN cars car ON car.id = r.car_id
  JOIN users seller ON seller.id = car.seller_id
  LEFT JOIN users reporter ON reporter.id = r.reporter_id
  LEFT JOIN conversations c ON c.id = r.conversation_id
  LEFT JOIN users buyer ON buyer.id = c.buyer_id
 WHERE r.status = 'open'
 ORDER BY r.created_at, r.id
 LIMIT :limit;

-- name: recent_messages
-- The last :per_conversation messages of each conversation in :conversation_ids, oldest first within each, with
-- their sender's name (NULL for a system message); an empty list when they have none.
SELECT recent.conversation_id, recent.id, recent.sender_id, recent.kind, recent.body, recent.created_at,
       u.name AS sender_name
  FROM unnest(:conversation_ids::bigint[]) AS wanted (id)
 CROSS JOIN LATERAL (
       SELECT m.id, m.conversation_id, m.sender_id, m.kind, m.body, m.created_at
         FROM messages m
        WHERE m.conversation_id = wanted.id
        ORDER BY m.id DESC
        LIMIT :per_conversation) recent
  LEFT JOIN users u ON u.id = recent.sender_id
 ORDER BY recent.conversation_id, recent.id;

-- name: decide
-- Close an open report as :status (resolved or dismissed) by :admin_id with :note; the report with its car's title,
-- or no row when there is no such report or it was closed already (by another admin, in another tab).
UPDATE reports r
   SET status = :status, resolved_by = :admin_id, resolved_at = now(), note = :note
  FROM cars car
 WHERE r.id = :report_id
   AND r.status = 'open'
   AND car.id = r.car_id
RETURNING r.id, r.kind, r.reporter_id, r.conversation_id, r.car_id, r.reason, car.title AS car_title;
