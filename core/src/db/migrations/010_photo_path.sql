-- The photo path (事故快处, issue 18): a case handled by photos and the parties' own statements,
-- settled by a self-negotiated agreement (自行协商协议书) or an officer's online determination.

-- Which way a case is handled: 'video' (a seat on a call) or 'photo'. Analytics splits by it.
ALTER TABLE cases ADD COLUMN path text NOT NULL DEFAULT 'video';
ALTER TABLE cases ADD CONSTRAINT cases_path CHECK (path IN ('video', 'photo'));
-- Party B (乙方) once they joined from their own phone (proved by an SMS link or an SMS code);
-- party_phone stays party A, the reporter. A session's phone is A or B of a case by these two.
ALTER TABLE cases ADD COLUMN party_b_phone text;
CREATE INDEX cases_party_b ON cases (tenant, party_b_phone, reported_at DESC) WHERE party_b_phone IS NOT NULL;

-- What the photo path adds to a case: the phone A named for B, the liability the parties
-- propose, the online determination asked for, and the officer's requests for more photos.
CREATE TABLE photo_cases (
  tenant         text NOT NULL,
  case_id        uuid NOT NULL,
  invited_phone  text NOT NULL,
  liability      jsonb,
  online         jsonb,
  photo_requests jsonb NOT NULL DEFAULT '[]',
  left_scene_at  timestamptz,
  PRIMARY KEY (tenant, case_id)
);

-- Each party's own details and statement, signature and receipt. role: A | B.
CREATE TABLE photo_parties (
  tenant          text NOT NULL,
  case_id         uuid NOT NULL,
  role            text NOT NULL CHECK (role IN ('A', 'B')),
  phone           text NOT NULL,
  details         jsonb,
  joined_at       timestamptz NOT NULL,
  signed_at       timestamptz,
  acknowledged_at timestamptz,
  PRIMARY KEY (tenant, case_id, role)
);

-- The single-use links that let B join (the token itself is never stored, only its SHA-256).
CREATE TABLE photo_join_tokens (
  tenant      text NOT NULL,
  token_hash  text NOT NULL,
  case_id     uuid NOT NULL,
  phone       text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  PRIMARY KEY (token_hash)
);
CREATE INDEX photo_join_tokens_case ON photo_join_tokens (tenant, case_id);

-- The agreement is the second kind of document the determinations table holds (same number
-- space per kind, same verification code and /verify); an agreement has no issuing officer.
ALTER TABLE determinations ADD COLUMN kind text NOT NULL DEFAULT 'determination';
ALTER TABLE determinations ADD CONSTRAINT determinations_kind CHECK (kind IN ('determination', 'agreement'));
ALTER TABLE determinations ALTER COLUMN issued_by DROP NOT NULL;

ALTER TABLE photo_cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE photo_cases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON photo_cases USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE photo_parties ENABLE ROW LEVEL SECURITY;
ALTER TABLE photo_parties FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON photo_parties USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE photo_join_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE photo_join_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON photo_join_tokens USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
