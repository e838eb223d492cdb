-- Tokens that can be rotated and resources that can be deactivated, each change audited with who
-- and when. A deactivated resource keeps its row (its items stay assigned to it) and no token.

ALTER TABLE resources
  ADD COLUMN active boolean NOT NULL DEFAULT true,
  ALTER COLUMN token_hash DROP NOT NULL;

CREATE TABLE resource_audit (
  id           bigserial PRIMARY KEY,
  resource_id  text NOT NULL,
  action       text NOT NULL CHECK (action IN ('created', 'token_rotated', 'deactivated')),
  by_id        text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resource_audit_by_resource ON resource_audit (resource_id, id);
