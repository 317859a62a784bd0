-- Partner organisations and their people (issue 14: Yancheng's 云车通, "five parties in one room"):
-- insurers (保险公司), hospitals (医院), repair shops (修理厂), tow companies (清障救援) and mediators
-- (调解员), per tenant, managed by the bureau's admin. Their people sign in with a password (same
-- throttles as staff, keyed 'partner:<username>') and see only the cases they are invited to.
CREATE TABLE partner_orgs (
  tenant     text NOT NULL,
  id         uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('insurer', 'hospital', 'repair_shop', 'tow', 'mediator')),
  name       text NOT NULL,
  -- The insurer's id in the city profile (GET /api/cities/:tenant insurers[].id) when kind = insurer.
  code       text,
  created_at timestamptz NOT NULL,
  disabled_at timestamptz,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, name)
);

CREATE TABLE partner_people (
  tenant        text NOT NULL,
  id            uuid NOT NULL,
  org_id        uuid NOT NULL,
  username      text NOT NULL,
  display_name  text NOT NULL,
  phone         text,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL,
  disabled_at   timestamptz,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, username),
  FOREIGN KEY (tenant, org_id) REFERENCES partner_orgs (tenant, id)
);

-- A session is a staff member's, a party's or a partner person's.
ALTER TABLE sessions ADD COLUMN partner_person_id uuid;

-- An invitation into a case's room (邀请): by SMS link for the second party (phone), or for a
-- partner organisation (org_id) whose person accepts it from the partner console. The link's token
-- is kept only as its SHA-256; it is single use (used_at), expires (expires_at) and can be revoked.
CREATE TABLE room_invitations (
  tenant      text NOT NULL,
  id          uuid NOT NULL,
  case_id     uuid NOT NULL,
  role        text NOT NULL CHECK (role IN ('party_b', 'insurer', 'hospital', 'repair_shop', 'mediator')),
  phone       text,
  org_id      uuid,
  token_hash  text NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  used_by     text,
  revoked_at  timestamptz,
  revoked_by  text,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant, id),
  CHECK ((role = 'party_b') = (phone IS NOT NULL AND org_id IS NULL)),
  FOREIGN KEY (tenant, org_id) REFERENCES partner_orgs (tenant, id)
);
CREATE INDEX room_invitations_case ON room_invitations (tenant, case_id);
CREATE INDEX room_invitations_org ON room_invitations (tenant, org_id);

ALTER TABLE partner_orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE partner_orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON partner_orgs USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE partner_people ENABLE ROW LEVEL SECURITY;
ALTER TABLE partner_people FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON partner_people USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE room_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON room_invitations USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
