-- 005_documents: cheaper document inserts, on both sides (the development
-- side's public tables and the runtime's archestra ones).
--
-- Measured with pgbench (prepared, 4 clients, synchronous_commit off so the
-- CPU shows): a one-document run went from 6,200-9,600 to 9,700-12,800
-- commits/s. What went:
--   * the unique index on seq: seq only orders a collection, and the
--     (scope, collection, seq) index already serves that;
--   * the foreign key from document_keys to documents: every key row paid an
--     index probe and a row lock on its document. Nothing deletes single
--     documents; a scope's documents and keys go together;
--   * the plpgsql loop of commit_run: the runtime now commits a run's
--     documents with one plain statement (sql/queries/runtime_agents.sql).
-- The GIN index stays: db_find serves any equality filter from it.

alter table documents drop constraint if exists documents_seq_key;
alter table document_keys drop constraint if exists document_keys_doc_id_fkey;
alter table archestra.documents drop constraint if exists documents_seq_key;
alter table archestra.document_keys drop constraint if exists document_keys_doc_id_fkey;
drop function if exists archestra.commit_run(json, text);
