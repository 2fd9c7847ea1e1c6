-- Shared by the bench scripts: one RESULT line per wrk run.
done = function(summary, latency, requests)
   local secs = summary.duration / 1e6
   io.write(string.format("RESULT %d %.0f %.2f %.2f %d %d\n", summary.requests,
      summary.requests / secs, latency:percentile(50) / 1000,
      latency:percentile(99) / 1000, summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout))
end
