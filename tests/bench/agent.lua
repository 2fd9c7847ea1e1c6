-- POST a new user each request to a deployed agent (no key needed). The
-- request is built once per thread and only the counter changes: a
-- zero-padded number keeps the body's length, so Content-Length is fixed
-- and each request costs wrk one format and a concatenation.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local threads = 0
setup = function(thread)
   thread:set("tid", threads)
   threads = threads + 1
end
local n = 0
local nonce = os.getenv("BENCH_NONCE") or "0"
local head, body_a, body_b
init = function(args)
   body_a = string.format('{"email":"a%s_%d_', nonce, tid)
   body_b = '@example.com","name":"Bench User","plan":"free"}'
   -- wrk.format sets Content-Length from the body it is given: a stand-in
   -- of the right length, cut off again.
   local len = #body_a + 9 + #body_b
   head = wrk.format("POST", nil, {["Content-Type"] = "application/json"},
      string.rep("x", len))
   head = string.sub(head, 1, #head - len)
end
request = function()
   n = n + 1
   return head .. body_a .. string.format("%09d", n) .. body_b
end
