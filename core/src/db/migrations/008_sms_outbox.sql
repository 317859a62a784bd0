-- SMS through the deliveries outbox (issue 13): every SMS (sign-in code, leave-the-scene notice,
-- escalation, determination served …) is a row of kind 'sms', written in the transaction that
-- decides it and sent by the worker (core/src/sms/outbox.ts) with backoff and jitter.
--   target = the phone; case_id is empty for a sign-in code (it belongs to no case);
--   expires_at: a sign-in code not taken by the gateway before its code expires is dropped
--     (status 'expired'), never sent late;
--   status 'maybe_sent': the gateway may have taken it (timeout, cut connection) and SendSms is
--     not idempotent: not resent by itself; a receipt naming it settles it, else an operator does;
--   external_id: the gateway's message id (Aliyun BizId, Tencent SerialNo), which receipts name;
--   seq orders the admin's list (newest first) when the clock gives two rows one instant.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check CHECK (kind IN ('claim', 'determination', 'progress', 'sms'));
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'delivered', 'failed', 'dead', 'expired', 'maybe_sent'));
ALTER TABLE deliveries ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN expires_at timestamptz;
ALTER TABLE deliveries ADD COLUMN external_id text;
ALTER TABLE deliveries ADD COLUMN seq bigserial;
CREATE INDEX deliveries_external ON deliveries (tenant, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX deliveries_sms ON deliveries (tenant, target, seq) WHERE kind = 'sms';

-- Delivery receipts (回执) the gateways push (POST /api/integrations/sms/:tenant/receipts/:vendor):
-- one row per gateway message id, linked to its outbox row by the id the send returned or by the
-- out-id the gateway echoes; a push repeated (its ack was lost) adds nothing.
CREATE TABLE sms_receipts (
  tenant        text NOT NULL,
  vendor        text NOT NULL CHECK (vendor IN ('aliyun', 'tencent')),
  vendor_id     text NOT NULL,
  delivery_id   uuid,
  phone_masked  text NOT NULL,
  delivered     boolean NOT NULL,
  code          text NOT NULL,
  message       text NOT NULL,
  reported_at   timestamptz NOT NULL,
  received_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant, vendor, vendor_id)
);
CREATE INDEX sms_receipts_delivery ON sms_receipts (tenant, delivery_id);

ALTER TABLE sms_receipts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sms_receipts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON sms_receipts USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
