-- The wrk script of every scenario: method, key and body come from the
-- environment (BENCH_METHOD, BENCH_KEY for X-Ingest-Key, BENCH_AUTH for
-- Authorization, BENCH_BODY_FILE, BENCH_CONTENT_TYPE for a body that is not
-- JSON). BENCH_MIX names a file of requests, a line
-- "METHOD PATH [BODY_FILE] [auth=CLASS]" each, sent in turn instead of the one
-- request; a line with auth=CLASS sends BENCH_AUTH_<CLASS> (the class in
-- capitals: auth=token sends BENCH_AUTH_TOKEN) as its Authorization instead of
-- BENCH_AUTH.
-- done() prints one line for bench/run:
--   RESULT <requests/s> <p50 ms> <p99 ms> <requests> <errors>
-- where errors count failed connections, requests unanswered after wrk's 2 s
-- timeout, and answers of 400 or above.
local function slurp(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("*a")
	f:close()
	return s
end

local body_file = os.getenv("BENCH_BODY_FILE")
local key = os.getenv("BENCH_KEY")
local auth = os.getenv("BENCH_AUTH")

wrk.method = os.getenv("BENCH_METHOD") or "GET"
if body_file and body_file ~= "" then
	wrk.body = slurp(body_file)
	wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
end
if key and key ~= "" then
	wrk.headers["X-Ingest-Key"] = key
end
if auth and auth ~= "" then
	wrk.headers["Authorization"] = auth
end

-- A mix: init (after wrk has set the Host header) formats each request once;
-- without one, no request() is defined and wrk sends its one request as is.
local mix_file = os.getenv("BENCH_MIX")
if mix_file and mix_file ~= "" then
	local mix, turn = {}, 0

	function init(args)
		for line in io.lines(mix_file) do
			local fields = {}
			for field in line:gmatch("%S+") do
				fields[#fields + 1] = field
			end
			local method, path = fields[1], fields[2]
			local headers, body = {}, nil
			for k, v in pairs(wrk.headers) do
				headers[k] = v
			end
			for i = 3, #fields do
				local class = fields[i]:match("^auth=(.+)$")
				if class then
					local name = "BENCH_AUTH_" .. class:upper()
					local value = os.getenv(name)
					assert(value and value ~= "", name .. " is not set: " .. line)
					headers["Authorization"] = value
				else
					body = slurp(fields[i])
					headers["Content-Type"] = "application/json"
				end
			end
			assert(method and path, "a mix line is METHOD PATH [BODY_FILE] [auth=CLASS]: " .. line)
			mix[#mix + 1] = wrk.format(method, path, headers, body)
		end
	end

	function request()
		turn = turn % #mix + 1
		return mix[turn]
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
end
