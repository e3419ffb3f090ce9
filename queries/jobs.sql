-- name: defer
-- Queue one job for the worker in the caller's transaction: it exists once that transaction commits, and never if it
-- rolls back. procrastinate's own function, as procrastinate.App.defer would call it; returns the job's id.
SELECT (procrastinate_defer_jobs_v1(ARRAY[ROW(
           :queue_name, :task_name, :priority, :lock, :queueing_lock, :args::jsonb, :scheduled_at::timestamptz
       )::procrastinate_job_to_defer_v1]))[1] AS job_id;

-- name: stalled
-- Jobs in "doing" whose worker's heartbeat is older than :stalled_seconds or whose worker row is gone
-- (procrastinate's select_stalled_jobs_by_heartbeat), with their task and runs so far, locked (others skipped) until
-- the transaction retries or fails them.
SELECT job.id AS job_id, job.task_name, job.attempts
  FROM procrastinate_jobs job
  LEFT JOIN procrastinate_workers w ON w.id = job.worker_id
 WHERE job.status = 'doing'
   AND (job.worker_id IS NULL OR w.last_heartbeat < now() - make_interval(secs => :stalled_seconds::float8))
 ORDER BY job.id
   FOR UPDATE OF job SKIP LOCKED;

-- name: retry_jobs
-- Put jobs in "doing" back to "todo", due now, one run more (procrastinate's retry_job); how many.
SELECT count(procrastinate_retry_job_v2(id, now(), NULL, NULL, NULL)) FROM unnest(:ids::bigint[]) AS id;

-- name: fail_jobs
-- Mark jobs in "doing" failed, one run more (procrastinate's finish_job), with the reason as each one's recorded
-- failure, and the outbox messages of mail deliveries among them failed with it; how many jobs.
WITH failed AS (
    SELECT id, procrastinate_finish_job_v1(id, 'failed', false) FROM unnest(:ids::bigint[]) AS id
), outbox AS (
    UPDATE mail_outbox o
       SET status = 'failed', last_error = left(:error, 2000)
      FROM procrastinate_jobs j
     WHERE j.id = ANY(:ids::bigint[]) AND j.task_name = 'carsite.mail.deliver'
       AND o.id = (j.args ->> 'outbox_id')::bigint AND o.status = 'queued'
)
INSERT INTO job_failures (job_id, task_name, attempt, error)
SELECT j.id, j.task_name, j.attempts + 1, left(:error, 4000)  -- the row as it was before: this run is one more
  FROM failed JOIN procrastinate_jobs j ON j.id = failed.id;

-- name: prune_stalled_workers
-- Delete worker rows whose heartbeat is older than :stalled_seconds (their jobs' worker_id becomes NULL); the ids.
SELECT worker_id FROM procrastinate_prune_stalled_workers_v1(:stalled_seconds);

-- name: prune_finished
-- Delete succeeded jobs finished more than :succeeded_days ago and failed or cancelled ones more than :failed_days
-- ago (finished: their last event), with their recorded failures; how many jobs.
WITH old AS (
    SELECT job.id
      FROM procrastinate_jobs job
     WHERE job.status IN ('succeeded', 'failed', 'cancelled', 'aborted')
       AND COALESCE((SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = job.id), job.scheduled_at, now())
           < now() - make_interval(days => CASE WHEN job.status = 'succeeded' THEN :succeeded_days::int ELSE :failed_days::int END)
),
gone_failures AS (
    DELETE FROM job_failures f USING old WHERE f.job_id = old.id
)
DELETE FROM procrastinate_jobs job USING old WHERE job.id = old.id;

-- name: prune_orphan_failures
-- Delete recorded failures older than :failed_days whose job is gone already; how many.
DELETE FROM job_failures f
 WHERE f.failed_at < now() - make_interval(days => :failed_days::int)
   AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.id = f.job_id);

-- name: record_failure
-- One failed run of a job: its attempt (1 for the first run) and the error text, cut to 4,000 characters. When it
-- was the :final run of a mail delivery, its outbox message is failed with that error too (a delivery that broke
-- for another reason than the mail server would otherwise stay "queued" for ever); row count 1.
WITH failure AS (
    INSERT INTO job_failures (job_id, task_name, attempt, error)
    VALUES (:job_id, :task_name, :attempt, left(:error, 4000))
    RETURNING job_id
), outbox AS (
    UPDATE mail_outbox o
       SET status = 'failed', last_error = left(:error, 2000)
      FROM procrastinate_jobs j
     WHERE :final::boolean AND j.id = :job_id AND j.task_name = 'carsite.mail.deliver'
       AND o.id = (j.args ->> 'outbox_id')::bigint AND o.status = 'queued'
)
SELECT job_id FROM failure;

-- name: counts
-- How many jobs each queue holds in each status, for Admin → Jobs.
SELECT queue_name, status::text AS status, count(*) AS jobs
  FROM procrastinate_jobs
 GROUP BY queue_name, status
 ORDER BY queue_name, status;

-- name: oldest_waiting
-- Per queue, how long its oldest due job has waited to start (seconds), for Admin → Jobs.
SELECT queue_name, count(*) AS due,
       extract(epoch FROM now() - min(COALESCE(scheduled_at, (
           SELECT min(e.at) FROM procrastinate_events e WHERE e.job_id = j.id)))) AS waited_seconds
  FROM procrastinate_jobs j
 WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())
 GROUP BY queue_name
 ORDER BY queue_name;

-- name: failed
-- Failed jobs newest first with their arguments, runs, and the last recorded error, for Admin → Jobs.
SELECT j.id, j.queue_name, j.task_name, j.args, j.attempts,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) AS failed_at,
       f.error, f.attempt AS failed_attempt
  FROM procrastinate_jobs j
  LEFT JOIN LATERAL (
      SELECT error, attempt FROM job_failures WHERE job_id = j.id ORDER BY attempt DESC, id DESC LIMIT 1
  ) f ON true
 WHERE j.status = 'failed'
 ORDER BY failed_at DESC NULLS LAST, j.id DESC
 LIMIT :limit;

-- name: workers
-- The registered workers, their last heartbeat, whether it is older than :stalled_seconds, and their running jobs.
SELECT w.id, w.last_heartbeat, w.last_heartbeat < now() - make_interval(secs => :stalled_seconds::float8) AS stale,
       (SELECT count(*) FROM procrastinate_jobs j WHERE j.worker_id = w.id AND j.status = 'doing') AS running
  FROM procrastinate_workers w
 ORDER BY w.last_heartbeat DESC;

-- name: job_for_update
-- One job, locked, for an admin's retry or cancel; no row when there is none.
SELECT id, queue_name, task_name, status::text AS status, args, attempts
  FROM procrastinate_jobs
 WHERE id = :job_id
   FOR UPDATE;

-- name: retry_failed
-- Put a failed job back to "todo" now (procrastinate's retry_job).
SELECT procrastinate_retry_job_v2(:job_id, now(), NULL, NULL, NULL);

-- name: cancel_waiting
-- Cancel a job that has not started (procrastinate's cancel_job without abort); its id, or NULL when it has.
SELECT procrastinate_cancel_job_v1(:job_id, false, false) AS job_id;

-- name: requeue_failed_mail
-- A failed mail's outbox row back to "queued" for its retried job; a message recorded as sent stays sent.
UPDATE mail_outbox SET status = 'queued' WHERE job_id = :job_id AND status = 'failed';
