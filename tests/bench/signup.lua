-- POST .../run with a new email each request, so every run inserts.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local threads = 0
setup = function(thread)
   thread:set("tid", threads)
   threads = threads + 1
end
local n = 0
init = function(args)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
end
local nonce = os.getenv("BENCH_NONCE") or "0"
request = function()
   n = n + 1
   local body = string.format(
      '{"input":{"email":"b%s_%d_%d@example.com","password":"secret123","name":"Bench"}}',
      nonce, tid, n)
   return wrk.format(nil, nil, nil, body)
end
