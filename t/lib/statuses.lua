-- wrk script for the tests: sends STATUSES_METHOD (POST, with an empty JSON
-- object as the body, when unset) and, at the end, prints one line
--   STATUSES <answers by status, e.g. 404:1200 502:3> socket_errors=<n> max_ms=<m>
-- counting every answer of every thread; max_ms is the slowest answer.
wrk.method = os.getenv("STATUSES_METHOD") or "POST"
if wrk.method == "POST" then
	wrk.body = "{}"
	wrk.headers["Content-Type"] = "application/json"
end

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	counts = {}
end

function response(status, headers, body)
	counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
	local all = {}
	for _, thread in ipairs(threads) do
		for status, n in pairs(thread:get("counts")) do
			all[status] = (all[status] or 0) + n
		end
	end
	local parts = {}
	for status, n in pairs(all) do
		table.insert(parts, status .. ":" .. n)
	end
	table.sort(parts)
	local e = summary.errors
	io.write(string.format("STATUSES %s socket_errors=%d max_ms=%.1f\n", table.concat(parts, " "),
		e.connect + e.read + e.write + e.timeout, latency.max / 1000))
end
