-- Injury direct-pay (人伤直赔) and one-key rescue (一键救援), issue 14 (Yancheng's 云车通). Only
-- tenants whose profile lists the feature in platform.features use these tables.

-- A direct-pay voucher and its bill: the officer issues a single-use QR code for the injured party
-- of a minor-injury case (status issued); a hospital scans it (admitted: the code is used), records
-- the treatment and the amount it advanced (billed); the case's insurer settles it (settled). The
-- code is an HMAC of (tenant, id, case, expiry) under the server secret (core/src/directPay/qrCode.ts).
-- Amounts in fen (分). The injured party's identity is kept whole for the officer; the hospital and
-- the insurer see it masked.
CREATE TABLE direct_pay_bills (
  tenant          text NOT NULL,
  id              uuid NOT NULL,
  case_id         uuid NOT NULL,
  code            text NOT NULL,
  status          text NOT NULL CHECK (status IN ('issued', 'admitted', 'billed', 'settled', 'revoked')),
  injured_name    text NOT NULL,
  injured_id_number text,
  injured_phone   text,
  insurer_id      text NOT NULL,
  issued_by       uuid NOT NULL,
  issued_at       timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  hospital_org_id uuid,
  admitted_by     uuid,
  admitted_at     timestamptz,
  treatment       text,
  amount_fen      bigint CHECK (amount_fen IS NULL OR amount_fen > 0),
  billed_at       timestamptz,
  settled_by      uuid,
  settled_at      timestamptz,
  settlement_ref  text,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, code),
  FOREIGN KEY (tenant, case_id) REFERENCES cases (tenant, id),
  FOREIGN KEY (tenant, hospital_org_id) REFERENCES partner_orgs (tenant, id)
);
CREATE INDEX direct_pay_bills_case ON direct_pay_bills (tenant, case_id);
CREATE INDEX direct_pay_bills_insurer ON direct_pay_bills (tenant, insurer_id, status);

-- A tow company's vehicle, one per tow-crew account: its last position (from the crew page's
-- browser geolocation, GCJ-02 like every stored point) and whether it takes jobs.
CREATE TABLE tow_vehicles (
  tenant      text NOT NULL,
  id          uuid NOT NULL,
  org_id      uuid NOT NULL,
  person_id   uuid NOT NULL,
  plate       text NOT NULL,
  status      text NOT NULL CHECK (status IN ('available', 'busy', 'offline')),
  lng         double precision NOT NULL,
  lat         double precision NOT NULL,
  position_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, person_id),
  FOREIGN KEY (tenant, org_id) REFERENCES partner_orgs (tenant, id)
);

-- A rescue work order (救援工单): offered to the nearest available vehicle, then the next on
-- decline or after the offer's time (core/src/rescue/dispatch.ts); `passed` holds the vehicles that
-- declined or let it lapse. insurer_report_no is the insurer's one-key report (一键报案) made with it.
CREATE TABLE rescues (
  tenant            text NOT NULL,
  id                uuid NOT NULL,
  case_id           uuid NOT NULL,
  work_order_no     text NOT NULL,
  status            text NOT NULL CHECK (status IN ('offering', 'waiting', 'accepted', 'arrived', 'completed', 'cancelled')),
  lng               double precision NOT NULL,
  lat               double precision NOT NULL,
  insurer_id        text,
  insurer_report_no text,
  offered_to        uuid,
  offer_expires_at  timestamptz,
  passed            uuid[] NOT NULL DEFAULT '{}',
  vehicle_id        uuid,
  requested_at      timestamptz NOT NULL,
  accepted_at       timestamptz,
  arrived_at        timestamptz,
  completed_at      timestamptz,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, work_order_no),
  FOREIGN KEY (tenant, case_id) REFERENCES cases (tenant, id)
);
CREATE UNIQUE INDEX rescues_open_per_case ON rescues (tenant, case_id) WHERE status IN ('offering', 'waiting', 'accepted', 'arrived');

ALTER TABLE direct_pay_bills ENABLE ROW LEVEL SECURITY;
ALTER TABLE direct_pay_bills FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON direct_pay_bills USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE tow_vehicles ENABLE ROW LEVEL SECURITY;
ALTER TABLE tow_vehicles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON tow_vehicles USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE rescues ENABLE ROW LEVEL SECURITY;
ALTER TABLE rescues FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON rescues USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
