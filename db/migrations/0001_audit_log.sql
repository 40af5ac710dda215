-- Every administrative action, whoever takes it and however (API key, CLI, oracle), is
-- recorded here and never updated or deleted.
CREATE TABLE audit_log (
  id          int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,          -- API key id, CLI user or service name
  action      text NOT NULL,          -- stable action code, e.g. 'rate_card.set'
  subject     text,                   -- what it acted on (epoch number, address, key id)
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_action_at ON audit_log (action, at);
