-- Online mediation (线上调解室), issue 14 (Yancheng's 云车通). Only tenants whose profile lists
-- mediation_rooms in platform.features use this table.
--
-- A mediation of a case: a mediator organisation's person (or the case's seat / an officer)
-- books a time (scheduled); at the time the mediator opens it and the case's room becomes the
-- mediation room (open: the mediator admitted, media/admission.ts); the mediator records the
-- outcome: agreed (amount, who pays whom, terms) — then each party signs with an SMS code to
-- their own phone and the second signature issues the 调解协议书 (signed) — or not agreed
-- (reason). A no-show is booked again (rescheduled: the old row cancelled, a new one scheduled).
--
-- The 调解协议书 is the third kind of verifiable document: its content, hash and code are made
-- like the e-determination's (documents/verification.ts) and /verify finds it by its code
-- (persistence/determinations.ts documentByCode); it lives here because a case keeps its
-- determination (one per case in `determinations`) beside its mediation agreement.
CREATE TABLE mediations (
  tenant            text NOT NULL,
  id                uuid NOT NULL,
  case_id           uuid NOT NULL,
  status            text NOT NULL CHECK (status IN ('scheduled', 'open', 'agreed', 'signed', 'not_agreed', 'cancelled')),
  mediator_org_id   uuid NOT NULL,
  starts_at         timestamptz NOT NULL,
  insurer_org_ids   uuid[] NOT NULL DEFAULT '{}',
  party_b_phone     text,
  scheduled_by      text NOT NULL,
  scheduled_at      timestamptz NOT NULL,
  opened_by         text,
  opened_at         timestamptz,
  recorded_by       text,
  recorded_at       timestamptz,
  -- agreed: { parties: [{ role, name, plate, liability }], payer, payee, amountFen, terms }; not agreed: { reason }
  outcome           jsonb,
  a_signed_at       timestamptz,
  b_signed_at       timestamptz,
  cancelled_at      timestamptz,
  -- The 调解协议书 once both signed (verification like the determinations table's).
  number            text,
  parties           jsonb,
  content           jsonb,
  content_sha256    text,
  document_sha256   text,
  verify_code       text UNIQUE,
  issued_at         timestamptz,
  served_at         timestamptz,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, number),
  FOREIGN KEY (tenant, case_id) REFERENCES cases (tenant, id),
  FOREIGN KEY (tenant, mediator_org_id) REFERENCES partner_orgs (tenant, id)
);
-- At most one mediation of a case is under way (booked, open, or agreed and waiting for signatures).
CREATE UNIQUE INDEX mediations_active_per_case ON mediations (tenant, case_id) WHERE status IN ('scheduled', 'open', 'agreed');
CREATE INDEX mediations_org ON mediations (tenant, mediator_org_id, starts_at);

ALTER TABLE mediations ENABLE ROW LEVEL SECURITY;
ALTER TABLE mediations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON mediations USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
