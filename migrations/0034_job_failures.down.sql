DROP TABLE job_failures;
