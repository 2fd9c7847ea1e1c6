-- POST a new user each request to a deployed agent (no key needed).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local threads = 0
setup = function(thread)
   thread:set("tid", threads)
   threads = threads + 1
end
local n = 0
local nonce = os.getenv("BENCH_NONCE") or "0"
init = function(args)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end
request = function()
   n = n + 1
   return wrk.format(nil, nil, nil, string.format(
      '{"email":"a%s_%d_%d@example.com","name":"Bench User","plan":"free"}', nonce, tid, n))
end
