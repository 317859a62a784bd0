-- Online mediation (线上调解室), issue 14: reminders before the time and no-shows after it
-- (core/src/mediation/schedule.ts, run on the server's periodic tick).
--
-- reminded_at: the reminder SMS was queued (claimed once across server processes: the UPDATE
-- that sets it is the claim, in the transaction that queues the SMS).
-- a_joined_at / b_joined_at: party A / party B first joined the case's room while the mediation
-- was about to start or open (core/src/media/roomReports.ts) — after a determination the evidence
-- chain takes no presence notes, so the mediation keeps its own.
-- no_show: the time passed by the grace without the room being opened (no_show_absent
-- {mediator}), or opened but a party never joined ({A}, {B} or {A,B}); booked again like any
-- booking (the new booking's mediation.scheduled `replaces` it).
ALTER TABLE mediations ADD COLUMN reminded_at timestamptz;
ALTER TABLE mediations ADD COLUMN a_joined_at timestamptz;
ALTER TABLE mediations ADD COLUMN b_joined_at timestamptz;
ALTER TABLE mediations ADD COLUMN no_show_at timestamptz;
ALTER TABLE mediations ADD COLUMN no_show_absent text[];
ALTER TABLE mediations DROP CONSTRAINT mediations_status_check;
ALTER TABLE mediations ADD CONSTRAINT mediations_status_check
  CHECK (status IN ('scheduled', 'open', 'agreed', 'signed', 'not_agreed', 'cancelled', 'no_show'));
-- The tick's scan: bookings waiting for their time or open, by time.
CREATE INDEX mediations_due ON mediations (tenant, starts_at) WHERE status IN ('scheduled', 'open');
