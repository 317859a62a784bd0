-- Background jobs that must run on one server process at a time, not on each of N (issue 15):
-- the analytics rollup's refresh today. A job's row holds when it is next due; a process claims
-- a run by moving `next_at` on (one UPDATE: the row lock makes exactly one claimant win), runs
-- it, and the others find it not due. A process that dies mid-run only delays the next run to
-- `next_at`. Times are the database's clock, so skewed process clocks still agree.
-- Not tenant data: row-level security binds it to the named cross-tenant job 'job slots'.
CREATE TABLE job_slots (
  name        text PRIMARY KEY,
  next_at     timestamptz NOT NULL,
  claimed_by  text NOT NULL,
  claimed_at  timestamptz NOT NULL
);

ALTER TABLE job_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_slots FORCE ROW LEVEL SECURITY;
CREATE POLICY job_slots_job ON job_slots USING (current_setting('kuaichu.across', true) = 'job slots') WITH CHECK (current_setting('kuaichu.across', true) = 'job slots');
