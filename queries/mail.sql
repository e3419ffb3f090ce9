-- name: enqueue_many
-- Record messages in the outbox and queue the jobs that send them (arrays in step, one element per message), in one
-- statement of the caller's transaction; the outbox ids, in the order given. Each job's only argument is its row's
-- id: what is sent is what the outbox holds. procrastinate_defer_jobs_v1 returns the job ids in the order of
-- the jobs it was given (procrastinate's own defer_jobs relies on that), so job n is message n's.
WITH message AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('mail_outbox', 'id')) AS id, m.*
      FROM unnest(:user_ids::bigint[], :to_addresses::text[], :kinds::text[], :subjects::text[], :text_bodies::text[],
                  :html_bodies::text[], :headers::jsonb[], :sensitive::boolean[], :attachments::jsonb[])
           WITH ORDINALITY AS m (user_id, to_address, kind, subject, text_body, html_body, headers, sensitive,
                                 attachments, n)
), job AS (
    SELECT procrastinate_defer_jobs_v1(array_agg(ROW(
               :queue_name, 'carsite.mail.deliver', :priority, NULL, NULL, jsonb_build_object('outbox_id', id), NULL
           )::procrastinate_job_to_defer_v1 ORDER BY n)) AS ids
      FROM message
)
INSERT INTO mail_outbox (id, job_id, user_id, to_address, kind, subject, text_body, html_body, headers, sensitive,
                         attachments)
SELECT m.id, job.ids[m.n], m.user_id, m.to_address, m.kind, m.subject, m.text_body, m.html_body, m.headers,
       m.sensitive, m.attachments
  FROM message m CROSS JOIN job
 ORDER BY m.n
RETURNING id;

-- name: claim
-- Lock an outbox message for sending: no row when it is already sent, failed for good or suppressed (a retried or
-- duplicated job then sends nothing). The lock is held until the send is recorded, so two jobs never send at once.
SELECT id, to_address, subject, text_body, html_body, headers, attachments, kind, attempts
  FROM mail_outbox
 WHERE id = :outbox_id AND status = 'queued'
   FOR UPDATE;

-- name: mark_sent
-- The mail server took the message: record it (and blank the body of a message that held a one-time secret).
UPDATE mail_outbox
   SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL, message_id = :message_id,
       text_body = CASE WHEN sensitive THEN '(removed once sent: it held a one-time link)' ELSE text_body END,
       html_body = CASE WHEN sensitive THEN NULL ELSE html_body END
 WHERE id = :outbox_id;

-- name: record_attempt
-- A send failed: count the attempt and keep the error; final (no retry left) marks the message failed.
UPDATE mail_outbox
   SET attempts = attempts + 1, last_error = left(:error, 2000),
       status = CASE WHEN :final::boolean THEN 'failed' ELSE status END
 WHERE id = :outbox_id AND status = 'queued';

-- name: admin_page
-- The outbox for Admin → Mail, newest first: every message, or those to one address (exact, or every address
-- starting with :address when :prefix; both through mail_outbox_to_address_idx on lower(to_address): the range
-- finds them in the index, the left() check keeps only true prefixes whatever the collation), of one status and
-- one kind, after the keyset (created_at, id) when given; an empty list when nothing matches.
SELECT id, to_address, kind, subject, status, attempts, created_at, sent_at, last_error IS NOT NULL AS has_error
  FROM mail_outbox
 WHERE (:address::text IS NULL
        OR (NOT :prefix::boolean AND lower(to_address) = :address)
        OR (:prefix::boolean AND lower(to_address) >= :address AND lower(to_address) < :address || chr(1114111)
            AND left(lower(to_address), length(:address)) = :address))
   AND (:status::text IS NULL OR status = :status)
   AND (:kind::text IS NULL OR kind = :kind)
   AND (:after_id::bigint IS NULL OR (created_at, id) < (:after_created_at::timestamptz, :after_id))
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: admin_message
-- One outbox message with everything an admin needs to answer "did they get it?" (its job's state while the job is
-- kept: finished jobs are pruned); no row for an unknown id.
SELECT o.id, o.user_id, u.name AS user_name, o.to_address, o.kind, o.subject, o.text_body, o.html_body IS NOT NULL
       AS has_html, o.headers, o.sensitive, o.status, o.job_id, o.attempts, o.last_error, o.message_id,
       o.created_at, o.sent_at, j.status::text AS job_status, j.scheduled_at AS job_scheduled_at,
       j.attempts AS job_attempts, j.queue_name AS job_queue
  FROM mail_outbox o
  LEFT JOIN users u ON u.id = o.user_id
  LEFT JOIN procrastinate_jobs j ON j.id = o.job_id
 WHERE o.id = :outbox_id;

-- name: admin_html
-- The HTML part of one outbox message; NULL (or no row) when it has none or it was blanked once sent.
SELECT html_body FROM mail_outbox WHERE id = :outbox_id;
