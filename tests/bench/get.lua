-- GET with the API key (baseline).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
init = function(args)
   wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
end
