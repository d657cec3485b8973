-- Permalinks (lastFailedBuild, lastStableBuild…) look up a job's newest
-- build with a given result: with this index the lookup stops at once
-- instead of reading the job's whole history.
CREATE INDEX builds_result ON builds(job_id, result, number);

-- Start-up looks for builds left running by a crash: a partial index
-- holds only those, so the look-up does not read the whole history.
CREATE INDEX builds_running ON builds(building) WHERE building = 1;
