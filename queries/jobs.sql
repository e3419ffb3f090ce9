-- name: defer
-- Queue one job for the worker in the caller's transaction: it exists once that transaction commits, and never if it
-- rolls back. procrastinate's own function, as procrastinate.App.defer would call it; returns the job's id.
SELECT (procrastinate_defer_jobs_v1(ARRAY[ROW(
           :queue_name, :task_name, :priority, :lock, :queueing_lock, :args::jsonb, :scheduled_at::timestamptz
       )::procrastinate_job_to_defer_v1]))[1] AS job_id;
