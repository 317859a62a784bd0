-- Seat rosters (排班) and skills (issue 17). A shift is a seat's local-time window [starts, ends) on a
-- weekday of the city's time zone; ends at or before starts runs past midnight into the next day.
-- A tenant with no shift at all keeps the queue as it was (every signed-in seat is offered calls);
-- once a tenant has one, only seats on shift are (core/src/roster/roster.ts).
CREATE TABLE seat_shifts (
  tenant     text NOT NULL,
  id         uuid NOT NULL,
  staff_id   uuid NOT NULL,
  weekday    text NOT NULL CHECK (weekday IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
  starts     text NOT NULL CHECK (starts ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  ends       text NOT NULL CHECK (ends ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$'),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, id),
  FOREIGN KEY (tenant, staff_id) REFERENCES staff (tenant, id)
);
CREATE INDEX seat_shifts_staff ON seat_shifts (tenant, staff_id);

-- A seat's skills (技能: a language, an accident kind), ids from the city profile's queue.skills.
ALTER TABLE seats ADD COLUMN skills text[] NOT NULL DEFAULT '{}';

ALTER TABLE seat_shifts ENABLE ROW LEVEL SECURITY;
ALTER TABLE seat_shifts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON seat_shifts USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));

-- The supervisor's wallboard counts today's answers and abandonments by event type and time.
CREATE INDEX case_events_by_type ON case_events (tenant, type, at);
