-- 007_gin_fastupdate: documents' GIN index takes each insert into its tree.
--
-- With GIN's default fastupdate, inserts go to a pending list that an
-- insert (or autovacuum) merges into the tree once it passes 4 MB: that
-- insert then runs for tens of milliseconds while the others queue behind
-- it. Measured on the signup-lite agent (wrk -c32, one GIN list flush in
-- the run): p99 16.7 ms with the flush against 10.7-13.7 ms with
-- fastupdate off, at the same throughput (4,300-5,300 calls/s either way).

alter index documents_data set (fastupdate = off);
alter index archestra.documents_data set (fastupdate = off);
