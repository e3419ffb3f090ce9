-- name: enqueue
-- Record a message in the outbox and queue the job that sends it, in one statement of the caller's transaction;
-- returns the outbox row's id. The job's only argument is that id: what is sent is what the outbox holds.
WITH new_row AS (
    SELECT nextval(pg_get_serial_sequence('mail_outbox', 'id')) AS id
), job AS (
    SELECT new_row.id,
           (procrastinate_defer_jobs_v1(ARRAY[ROW(
               :queue_name, 'carsite.mail.deliver', :priority, NULL, NULL,
               jsonb_build_object('outbox_id', new_row.id), NULL
           )::procrastinate_job_to_defer_v1]))[1] AS job_id
      FROM new_row
)
INSERT INTO mail_outbox (id, job_id, user_id, to_address, kind, subject, text_body, html_body, headers, sensitive)
SELECT job.id, job.job_id, :user_id, :to_address, :kind, :subject, :text_body, :html_body, :headers::jsonb, :sensitive
  FROM job
RETURNING id;

-- name: claim
-- Lock an outbox message for sending: no row when it is already sent, failed for good or suppressed (a retried or
-- duplicated job then sends nothing). The lock is held until the send is recorded, so two jobs never send at once.
SELECT id, to_address, subject, text_body, html_body, headers, kind, attempts
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
