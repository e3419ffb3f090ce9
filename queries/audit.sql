-- name: record
-- Append one event to the audit log; returns its id.
INSERT INTO audit_log (actor_id, subject_id, action, ip, user_agent, detail)
VALUES (:actor_id, :subject_id, :action, :ip::inet, :user_agent, :detail::jsonb)
RETURNING id;

-- name: page
-- Audit events newest first, optionally of one action and/or about one account, before the given id; an empty
-- list when none match.
SELECT a.id, a.at, a.action, host(a.ip) AS ip, a.user_agent, a.detail,
       a.actor_id, actor.name AS actor_name, a.subject_id, subject.name AS subject_name, subject.email AS subject_email
  FROM audit_log a
  LEFT JOIN users actor ON actor.id = a.actor_id
  LEFT JOIN users subject ON subject.id = a.subject_id
 WHERE (:action::text IS NULL OR a.action = :action)
   AND (:subject_id::bigint IS NULL OR a.subject_id = :subject_id)
   AND (:before_id::bigint IS NULL OR a.id < :before_id)
 ORDER BY a.id DESC
 LIMIT :limit;
