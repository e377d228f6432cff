-- The wrk script of every scenario: method, key and body come from the
-- environment (BENCH_METHOD, BENCH_KEY for X-Ingest-Key, BENCH_AUTH for
-- Authorization, BENCH_BODY_FILE), and done() prints one line for bench/run:
--   RESULT <requests/s> <p50 ms> <p99 ms> <requests> <errors>
-- where errors count failed connections and answers of 400 or above.
local body_file = os.getenv("BENCH_BODY_FILE")
local key = os.getenv("BENCH_KEY")
local auth = os.getenv("BENCH_AUTH")

wrk.method = os.getenv("BENCH_METHOD") or "GET"
if body_file and body_file ~= "" then
	local f = assert(io.open(body_file, "rb"))
	wrk.body = f:read("*a")
	f:close()
	wrk.headers["Content-Type"] = "application/json"
end
if key and key ~= "" then
	wrk.headers["X-Ingest-Key"] = key
end
if auth and auth ~= "" then
	wrk.headers["Authorization"] = auth
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
end
