-- Published city profiles (issue 17): every upload that passed is kept as a version; one of them
-- is the city's live profile. A city without an active version is served from its file in cities/.
CREATE TABLE profile_versions (
  tenant        text NOT NULL,
  version       integer NOT NULL,
  source        text NOT NULL,
  sha256        text NOT NULL,
  file_name     text NOT NULL,
  published_by  text NOT NULL,
  published_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant, version)
);

CREATE TABLE profile_active (
  tenant        text NOT NULL PRIMARY KEY,
  version       integer NOT NULL,
  activated_by  text NOT NULL,
  activated_at  timestamptz NOT NULL,
  FOREIGN KEY (tenant, version) REFERENCES profile_versions (tenant, version)
);

-- The profile version a case was reported and decided under; NULL = the file shipped in cities/.
ALTER TABLE cases ADD COLUMN profile_version integer;

-- Tenant scoping as every tenant table (004_row_security.sql); the grants come from its default privileges.
ALTER TABLE profile_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE profile_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON profile_versions USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE profile_active ENABLE ROW LEVEL SECURITY;
ALTER TABLE profile_active FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON profile_active USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
