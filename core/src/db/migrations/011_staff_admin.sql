-- Bureau administration (issue 17): accounts can be disabled (sign-in refused, sessions ended),
-- and a city's brigades (大队) and the districts each covers are kept here once its admin edits
-- them. A district is covered by one brigade (the primary key). A tenant with no brigade rows
-- routes by its profile's routing.brigades as before (core/src/admin/brigades.ts).
ALTER TABLE staff ADD COLUMN disabled_at timestamptz;

CREATE TABLE brigades (
  tenant     text NOT NULL,
  id         text NOT NULL,
  name_zh    text NOT NULL,
  name_en    text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, id)
);

CREATE TABLE brigade_districts (
  tenant     text NOT NULL,
  district   text NOT NULL,
  brigade_id text NOT NULL,
  PRIMARY KEY (tenant, district),
  FOREIGN KEY (tenant, brigade_id) REFERENCES brigades (tenant, id)
);

ALTER TABLE brigades ENABLE ROW LEVEL SECURITY;
ALTER TABLE brigades FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON brigades USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE brigade_districts ENABLE ROW LEVEL SECURITY;
ALTER TABLE brigade_districts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON brigade_districts USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));

CREATE INDEX audit_log_by_action ON audit_log (tenant, action, at);
