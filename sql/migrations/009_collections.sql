-- 009_collections: an owner's workflows share their collections within an
-- environment (issue 21, part 1). A document's scope was its workflow (the
-- development side) or its agent (the runtime); it is now the owner and the
-- environment: "development" for local runs, "production" for deployed
-- agents (until environments come, with their own names). A sign-up and a
-- login of one owner read and write the same users.
--
-- Nothing is lost on the way:
--   * every document keeps its id, collection, data and time, and goes to
--     the owner of the workflow (or agent) it belonged to;
--   * a document whose workflow was deleted before this migration and
--     whose owner cannot be found (no deploy attempt names it) is moved,
--     unchanged, to documents_orphaned: no owner may read it any more, and
--     an admin still can;
--   * two workflows of one owner that both held the same value of a unique
--     field of one collection (ann@example.com signed up twice, with two
--     sign-up workflows) cannot both keep it now: the older document keeps
--     the key, the newer keeps its data and is listed in
--     document_key_conflicts for an admin to settle
--     (sql/reports/collections.sql shows them).
-- The runtime's tables (schema archestra) go the same way, an agent's owner
-- being its package's metadata.ownerId (the agent itself when a package
-- named none).

-- An agent's owner and environment, as columns the runtime reads with the
-- agent. metadata is json text the runtime stores as sent; ->> on json is
-- immutable, so the owner can be a generated column.
alter table archestra.agents
    add column owner_id text generated always as (coalesce(metadata ->> 'ownerId', id)) stored,
    add column environment text not null default 'production';

create table documents_orphaned (
    id          text primary key,
    scope       text not null,               -- the workflow it belonged to
    collection  text not null,
    data        jsonb not null,
    created_at  timestamptz not null,
    moved_at    timestamptz not null default now()
);
create table archestra.documents_orphaned (like documents_orphaned including all);

-- Unique values two documents of one collection held when their workflows'
-- collections became one: doc_id lost the key to kept_doc_id.
create table document_key_conflicts (
    owner_id     text not null,
    environment  text not null,
    collection   text not null,
    field        text not null,
    value        text not null,
    doc_id       text not null,
    kept_doc_id  text not null,
    found_at     timestamptz not null default now(),
    primary key (owner_id, environment, collection, field, value, doc_id)
);
create table archestra.document_key_conflicts (like document_key_conflicts including all);

-- The scope's owner, one row per old scope: a workflow's owner, or the owner
-- a deploy attempt of a deleted workflow names (development side).
create temporary table scope_owner on commit drop as
select w.server_id as scope, w.owner_id, 'development'::text as environment
from workflows w
union all
select a.server_id, min(a.owner_id), 'development'
from deploy_attempts a
where not exists (select 1 from workflows w where w.server_id = a.server_id)
group by a.server_id;

create temporary table agent_owner on commit drop as
select id as scope, owner_id, environment from archestra.agents;

-- documents: owner and environment in place of the scope.
alter table documents add column owner_id text, add column environment text;
update documents d set owner_id = s.owner_id, environment = s.environment
from scope_owner s where s.scope = d.scope;
insert into documents_orphaned (id, scope, collection, data, created_at)
select id, scope, collection, data, created_at from documents where owner_id is null;
delete from documents where owner_id is null;

alter table archestra.documents add column owner_id text, add column environment text;
update archestra.documents d set owner_id = s.owner_id, environment = s.environment
from agent_owner s where s.scope = d.scope;
insert into archestra.documents_orphaned (id, scope, collection, data, created_at)
select id, scope, collection, data, created_at from archestra.documents where owner_id is null;
delete from archestra.documents where owner_id is null;

-- document_keys: the same, then one key per value: the oldest document's.
alter table document_keys add column owner_id text, add column environment text;
update document_keys k set owner_id = d.owner_id, environment = d.environment
from documents d where d.id = k.doc_id;
delete from document_keys where owner_id is null;   -- an orphan's: its data is kept

alter table archestra.document_keys add column owner_id text, add column environment text;
update archestra.document_keys k set owner_id = d.owner_id, environment = d.environment
from archestra.documents d where d.id = k.doc_id;
delete from archestra.document_keys where owner_id is null;

create temporary table key_rank on commit drop as
select k.owner_id, k.environment, k.collection, k.field, k.value, k.doc_id,
       row_number() over w as n, first_value(k.doc_id) over w as kept
from document_keys k join documents d on d.id = k.doc_id
window w as (partition by k.owner_id, k.environment, k.collection, k.field, k.value
             order by d.seq, d.id);
insert into document_key_conflicts (owner_id, environment, collection, field, value, doc_id, kept_doc_id)
select owner_id, environment, collection, field, value, doc_id, kept from key_rank where n > 1;
-- A document has one key row per field: (doc_id, field) names the row.
delete from document_keys k using key_rank r
where r.n > 1 and k.doc_id = r.doc_id and k.field = r.field;

create temporary table rt_key_rank on commit drop as
select k.owner_id, k.environment, k.collection, k.field, k.value, k.doc_id,
       row_number() over w as n, first_value(k.doc_id) over w as kept
from archestra.document_keys k join archestra.documents d on d.id = k.doc_id
window w as (partition by k.owner_id, k.environment, k.collection, k.field, k.value
             order by d.seq, d.id);
insert into archestra.document_key_conflicts
    (owner_id, environment, collection, field, value, doc_id, kept_doc_id)
select owner_id, environment, collection, field, value, doc_id, kept from rt_key_rank where n > 1;
delete from archestra.document_keys k using rt_key_rank r
where r.n > 1 and k.doc_id = r.doc_id and k.field = r.field;

-- The new shapes. The old (scope, ...) indexes go with the column.
alter table documents drop column scope,
    alter column owner_id set not null, alter column environment set not null;
create index documents_owner_collection on documents (owner_id, environment, collection, seq);
alter table document_keys drop constraint document_keys_pkey, drop column scope,
    alter column owner_id set not null, alter column environment set not null,
    add primary key (owner_id, environment, collection, field, value);

alter table archestra.documents drop column scope,
    alter column owner_id set not null, alter column environment set not null;
create index documents_owner_collection
    on archestra.documents (owner_id, environment, collection, seq);
alter table archestra.document_keys drop constraint document_keys_pkey, drop column scope,
    alter column owner_id set not null, alter column environment set not null,
    add primary key (owner_id, environment, collection, field, value);

-- Links of random_token that may be used once (a password reset): the
-- nonce of each one used, until it expires.
create table token_uses (
    owner_id     text not null,
    environment  text not null,
    nonce        text not null,
    purpose      text not null,
    expires_at   timestamptz,
    used_at      timestamptz not null default now(),
    primary key (owner_id, environment, nonce)
);
create table archestra.token_uses (like token_uses including all);
