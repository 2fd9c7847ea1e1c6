-- wrk script of test_95_hosts: POSTs a new user each request to a deployed
-- agent that inserts (signup-lite), and writes each answer's status and
-- the stored document's id (or "-") to HOSTS_OUT/<thread>, one line per
-- answer, so the test can match every 200 with a stored row.
local threads = 0
setup = function(thread)
   thread:set("tid", threads)
   threads = threads + 1
end
local n = 0
local out
init = function(args)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   out = io.open(os.getenv("HOSTS_OUT") .. "/" .. tid, "w")
end
request = function()
   n = n + 1
   return wrk.format(nil, nil, nil, string.format(
      '{"email":"h%s_%d_%d@example.com","name":"Host Test"}', os.getenv("HOSTS_NONCE"), tid, n))
end
response = function(status, headers, body)
   local id = string.match(body, '"id":"(doc_[a-z0-9]+)"') or "-"
   out:write(status, " ", id, "\n")
   out:flush()
end
