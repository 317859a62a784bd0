-- The e-determination's PDF is rendered after the determination commits (issue 15), not inside
-- its transaction (0.2–0.5 s holding the case row): the row is written with the content, its
-- hash and the verification code, and the document's hash is filled in when the PDF is stored.
-- NULL = being prepared (core/src/cases/documentIssue.ts); the case is served only after.
ALTER TABLE determinations ALTER COLUMN document_sha256 DROP NOT NULL;
CREATE INDEX determinations_unfinished ON determinations (tenant, issued_at) WHERE document_sha256 IS NULL OR served_at IS NULL;
