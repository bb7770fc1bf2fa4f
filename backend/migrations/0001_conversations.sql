-- Up Migration

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- now() is the transaction's start time, so created_at alone can tie; seq keeps the insertion order.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL,
  selected_text text,
  citations jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(citations) = 'array'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX messages_conversation_created_at_idx ON messages (conversation_id, created_at, seq);

-- Down Migration

DROP TABLE messages;
DROP TABLE conversations;
