-- name: defer
-- Queue one job for the worker in the caller's transaction: it exists once that transaction commits, and never if it
-- rolls back. procrastinate's own function, as procrastinate.App.defer would call it; returns the job's id.
SELECT (procrastinate_defer_jobs_v1(ARRAY[ROW(
           :queue_name, :task_name, :priority, :lock, :queueing_lock, :args::jsonb, :scheduled_at::timestamptz
       )::procrastinate_job_to_defer_v1]))[1] AS job_id;

-- name: retry_stalled
-- Put back to "todo" every job in "doing" whose worker's heartbeat is older than :stalled_seconds or whose worker row
-- is gone (procrastinate's select_stalled_jobs_by_heartbeat, then its retry_job); the ids retried.
WITH stalled AS (
    SELECT job.id
      FROM procrastinate_jobs job
      LEFT JOIN procrastinate_workers w ON w.id = job.worker_id
     WHERE job.status = 'doing'
       AND (job.worker_id IS NULL OR w.last_heartbeat < now() - make_interval(secs => :stalled_seconds))
       FOR UPDATE OF job SKIP LOCKED
)
SELECT id AS job_id, procrastinate_retry_job_v2(id, now(), NULL, NULL, NULL) IS NULL AS retried
  FROM stalled
 ORDER BY id;

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
           < now() - make_interval(days => CASE WHEN job.status = 'succeeded' THEN :succeeded_days ELSE :failed_days END)
),
gone_failures AS (
    DELETE FROM job_failures f USING old WHERE f.job_id = old.id
)
DELETE FROM procrastinate_jobs job USING old WHERE job.id = old.id;

-- name: prune_orphan_failures
-- Delete recorded failures older than :failed_days whose job is gone already; how many.
DELETE FROM job_failures f
 WHERE f.failed_at < now() - make_interval(days => :failed_days)
   AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.id = f.job_id);

-- name: record_failure
-- One failed run of a job: its attempt (1 for the first run) and the error text, cut to 4,000 characters.
INSERT INTO job_failures (job_id, task_name, attempt, error)
VALUES (:job_id, :task_name, :attempt, left(:error, 4000));
