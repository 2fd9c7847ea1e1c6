-- POST .../executions (or .../run) with a body from BENCH_BODY: queued runs.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
init = function(args)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
   wrk.body = os.getenv("BENCH_BODY") or '{"input":{"n":1}}'
end
