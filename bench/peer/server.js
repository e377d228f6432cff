'use strict';
/*
 * bench/peer/server.js: the benchmark's Node.js peer of telltale's
 * single-event ingest, POST /apps/{app_id}/events with one event object.
 *
 * It does the work telltale's worker does for that request (src/api/events.c,
 * src/api/ingest.c, src/pure/event_input.c, src/pure/fingerprint.c), against
 * the same PostgreSQL with the same statement, so that bench/run can set the
 * two side by side:
 *   - the key: X-Ingest-Key, its SHA-256 in lower-case hex ($2), checked
 *     before the body is read through a one-second per-process cache of good
 *     keys (pure/keycache.c) and the same ingest_key_check statement;
 *   - the body: the same content type, size, JSON and field rules, the same
 *     error statuses and {"error","message"[,"field"]} bodies;
 *   - the row ($3): the same one-element JSON array the worker writes
 *     (event_rows_add), with the fingerprint computed the same way, so the
 *     event lands on the same issue through the same issue_fingerprints
 *     lookup; its stack and context as json ($4, $5);
 *   - the statement: events_ingest_one, read from PEER_SQL_FILE (the text
 *     `telltale-worker --statement events_ingest_one` prints), prepared once
 *     per connection as the worker's libpq connection does;
 *   - the answer: 201 {"id","application_id","received_at"} with received_at
 *     formatted as timefmt_format does (microseconds, trailing zeros cut).
 *
 * What it leaves out, because the benchmark's single event never needs it:
 * bulk arrays and event_id (both take the other statement, events_ingest);
 * they are refused with 422 rather than done differently. nginx's rate
 * limits are not the worker's work and are not copied either.
 *
 * Environment: PEER_PORT, PEER_SQL_FILE, PEER_PROCESSES (2), PEER_POOL (8
 * connections a process), and libpq's PGHOST, PGPORT, PGUSER, PGDATABASE,
 * PGPASSWORD (or PGPASSFILE / ~/.pgpass), which pg reads by itself.
 *
 * CommonJS, Node.js 18 (Debian 12's nodejs).
 */
const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');

const PORT = Number(process.env.PEER_PORT);
const PROCESSES = Number(process.env.PEER_PROCESSES || 2);
const POOL = Number(process.env.PEER_POOL || 8);
const SQL_FILE = process.env.PEER_SQL_FILE;

if (!(PORT > 0) || !SQL_FILE || !(PROCESSES > 0) || !(POOL > 0)) {
	console.error('server.js: set PEER_PORT, PEER_SQL_FILE (and optionally PEER_PROCESSES, PEER_POOL)');
	process.exit(2);
}

/* ------------------------------------------------------------------------ */
/* The primary: forks the workers, and takes them down with it.             */
/* ------------------------------------------------------------------------ */

if (cluster.isPrimary) {
	let stopping = false;
	const stop = (code) => {
		stopping = true;
		for (const id in cluster.workers)
			cluster.workers[id].process.kill('SIGTERM');
		process.exit(code);
	};
	for (let i = 0; i < PROCESSES; i++)
		cluster.fork();
	// A worker that dies leaves the peer short: better no peer than a
	// half-sized one measured as whole.
	cluster.on('exit', (w, code, signal) => {
		if (stopping)
			return;
		console.error(`peer: worker ${w.process.pid} exited (${signal || code}); stopping`);
		stop(1);
	});
	process.on('SIGTERM', () => stop(0));
	process.on('SIGINT', () => stop(0));
	return;
}

/* ------------------------------------------------------------------------ */
/* A worker.                                                                 */
/* ------------------------------------------------------------------------ */

const fastify = require('fastify');
const pg = require('pg');

// events_ingest_one, as the C worker prepares it.
const INGEST_SQL = fs.readFileSync(SQL_FILE, 'utf8').trim();
// ingest_key_check (src/api/ingest.c): the key check of the key cache, and
// of a refused body (a wrong key answers 403 before anything of the body).
const KEY_CHECK_SQL =
	"SELECT array_to_string(mask_fields, E'\\n') FROM applications WHERE id = $1 AND ingest_key_sha256 = $2";

const pool = new pg.Pool({ max: POOL });
// The worker's session settings (src/db/db.c setup_session); jit off matters:
// the planner could otherwise decide to compile.
pool.on('connect', (client) => {
	client.query("SET statement_timeout = 5000; SET TimeZone = 'UTC'; SET jit = off").catch(() => {});
});
pool.on('error', () => {});    // an idle connection lost: the pool makes another

/* The limits of docs/api.md and the C headers. */
const BODY_LIMIT_BULK = 10 * 1024 * 1024;   // nginx's limit on the route
const BODY_LIMIT_ONE = 1024 * 1024;         // REQUEST_BODY_LIMIT: a body that is not an array
const JSON_MAX_DEPTH = 32;
const JSONCHECK_MAX_VALUES = 100000;
const EVENT_MESSAGE_MAX = 8192;
const EVENT_ENVIRONMENT_MAX = 64;
const EVENT_RELEASE_MAX = 200;
const EVENT_FINGERPRINT_PARTS_MAX = 32;
const EVENT_FINGERPRINT_PART_MAX = 512;
const FINGERPRINT_TITLE_MAX = 1024;
const KEYCACHE_TTL_MS = 1000;
const KEYCACHE_SLOTS = 64;
const LEVELS = { DEBUG: 1, INFO: 1, WARNING: 1, ERROR: 1, CRITICAL: 1 };

/* An error answer as respond_with writes it. */
class Refusal {
	constructor(status, code, message, field) {
		this.status = status;
		this.code = code;
		this.message = message;
		this.field = field;
	}
}
const refuse = (status, code, message, field) => { throw new Refusal(status, code, message, field); };
const invalid = (field, message) => refuse(422, 'VALIDATION', message, field);
const wrongKey = () => new Refusal(403, 'FORBIDDEN', 'Invalid application or ingest key');

function sha256hex(s) {
	return crypto.createHash('sha256').update(s).digest('hex');
}

/* --- the key ------------------------------------------------------------- */

/* pure/keycache.c: a good key is trusted for a second; a bad one is asked
 * about each time. Bounded like the C cache's 64 slots. */
const knownKeys = new Map();

async function keyKnown(appId, digest) {
	const k = appId + ':' + digest, at = knownKeys.get(k), now = Date.now();
	if (at !== undefined && now - at < KEYCACHE_TTL_MS)
		return true;
	const res = await pool.query({ name: 'key_check', text: KEY_CHECK_SQL, values: [appId, digest], rowMode: 'array' });
	if (res.rows.length === 0)
		return false;
	if (knownKeys.size >= KEYCACHE_SLOTS)
		knownKeys.clear();
	knownKeys.set(k, now);
	return true;
}

/* --- the body: http/read.c, pure/json.c, pure/jsoncheck.c ----------------- */

/* json_content_type: application/json, or application/...+json. */
function jsonContentType(ct) {
	if (!ct)
		return false;
	const n = ct.search(/[; \t]/), type = (n < 0 ? ct : ct.slice(0, n)).toLowerCase();
	return type === 'application/json' ||
		(type.length > 5 && type.endsWith('+json') && type.startsWith('application/'));
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/* jsoncheck's rules past JSON.parse's: depth, the count of values and keys,
 * no NUL in a string or key. Returns the refusal or null. */
function jsoncheck(doc) {
	let values = 0;
	const walk = (v, depth, field) => {
		values++;
		if (typeof v === 'string') {
			if (v.indexOf('\u0000') >= 0)
				return new Refusal(422, 'VALIDATION', 'must not contain a NUL character', field);
			return null;
		}
		if (v === null || typeof v !== 'object')
			return null;
		if (depth >= JSON_MAX_DEPTH)
			return new Refusal(422, 'VALIDATION', 'JSON nesting is deeper than 32 levels', field);
		if (Array.isArray(v)) {
			for (let i = 0; i < v.length; i++) {
				const r = walk(v[i], depth + 1, field);
				if (r)
					return r;
			}
		} else {
			for (const key in v) {
				values++;
				if (key.indexOf('\u0000') >= 0)
					return new Refusal(422, 'VALIDATION', 'must not contain a NUL character', key);
				const r = walk(v[key], depth + 1, depth === 0 ? key : field);
				if (r)
					return r;
			}
		}
		return values > JSONCHECK_MAX_VALUES ?
			new Refusal(413, 'PAYLOAD_TOO_LARGE', `the body (or an element of it) holds more than ${JSONCHECK_MAX_VALUES} values and keys`) : null;
	};
	return walk(doc, 0, undefined);
}

/* The one event of the body, parsed; or a refusal thrown. */
function readBody(req) {
	const body = req.body;
	if (!jsonContentType(req.headers['content-type']))
		refuse(400, 'BAD_REQUEST', 'Content-Type must be application/json');
	if (!body || body.length === 0)
		refuse(400, 'BAD_REQUEST', 'body is empty');
	let at = 0;
	while (at < body.length && (body[at] === 0x20 || body[at] === 0x09 || body[at] === 0x0a || body[at] === 0x0d))
		at++;
	if (body[at] !== 0x5b && body.length > BODY_LIMIT_ONE)
		refuse(413, 'PAYLOAD_TOO_LARGE', `a body that is not an array is limited to ${BODY_LIMIT_ONE} bytes`);
	let text, doc;
	try {
		text = utf8.decode(body);
	} catch (e) {
		refuse(422, 'VALIDATION', 'must be valid UTF-8');
	}
	try {
		doc = JSON.parse(text);
	} catch (e) {
		refuse(400, 'BAD_REQUEST', 'body is not a single valid JSON document');
	}
	const r = jsoncheck(doc);
	if (r)
		throw r;
	if (doc === null)
		refuse(422, 'VALIDATION', 'the body must not be null');
	if (Array.isArray(doc))
		refuse(422, 'VALIDATION', 'the peer takes one event a request, not a bulk array');
	return doc;
}

/* --- time: pure/timefmt.c ------------------------------------------------- */

const TIMEFMT_MIN_SEC = -62135596800, TIMEFMT_MAX_SEC = 253402300799;

function daysFromCivil(y, m, d) {       // Hinnant's days_from_civil
	y -= m <= 2 ? 1 : 0;
	const era = Math.floor((y >= 0 ? y : y - 399) / 400);
	const yoe = y - era * 400;
	const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
	const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
	return era * 146097 + doe - 719468;
}

function civilFromDays(z) {             // Hinnant's civil_from_days
	z += 719468;
	const era = Math.floor((z >= 0 ? z : z - 146096) / 146097);
	const doe = z - era * 146097;
	const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
	const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
	const mp = Math.floor((5 * doy + 2) / 153);
	const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
	const month = mp < 10 ? mp + 3 : mp - 9;
	return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(y, m) {
	const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
	return m === 2 && leap ? 29 : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/* Seconds and microseconds as the decimal text of their microseconds, or
 * null outside 0001..9999. Numbers are exact below 2^53 microseconds (the
 * year 2255); BigInt only beyond. */
function usecText(sec, frac) {
	if (Math.abs(sec) < 9e9)
		return String(sec * 1e6 + frac);
	const u = BigInt(sec) * 1000000n + BigInt(frac);
	if (u < BigInt(TIMEFMT_MIN_SEC) * 1000000n || u > BigInt(TIMEFMT_MAX_SEC) * 1000000n + 999999n)
		return null;
	return u.toString();
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2})))?$/;

/* timefmt_parse: RFC 3339 or a bare date; a leap second folds onto :59. */
function parseTimeText(s) {
	const m = RFC3339.exec(s);
	if (!m)
		return null;
	const y = +m[1], mo = +m[2], d = +m[3];
	if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo))
		return null;
	let sec = daysFromCivil(y, mo, d) * 86400, frac = 0;
	if (m[4] !== undefined) {
		const h = +m[4], mi = +m[5];
		let ss = +m[6];
		if (h > 23 || mi > 59 || ss > 60)
			return null;
		if (ss === 60)
			ss = 59;
		sec += (h * 60 + mi) * 60 + ss;
		if (m[7] !== undefined)
			frac = +(m[7] + '00000').slice(0, 6);
		if (m[9] !== undefined) {
			const oh = +m[10], om = +m[11];
			if (oh > 23 || om > 59)
				return null;
			sec -= (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60;
		}
	}
	if (sec < TIMEFMT_MIN_SEC || sec > TIMEFMT_MAX_SEC)
		return null;
	return usecText(sec, frac);
}

/* timefmt_from_unix: rounded to the microsecond. */
function parseTimeUnix(seconds) {
	if (!isFinite(seconds) || seconds < TIMEFMT_MIN_SEC - 1 || seconds > TIMEFMT_MAX_SEC + 1)
		return null;
	const whole = Math.floor(seconds);
	const frac = Math.trunc((seconds - whole) * 1e6 + 0.5);
	if (whole < TIMEFMT_MIN_SEC || whole > TIMEFMT_MAX_SEC || (whole === TIMEFMT_MAX_SEC && frac > 999999))
		return null;
	return usecText(whole, frac);
}

const pad2 = (n) => (n < 10 ? '0' : '') + n;

/* timefmt_format of received_at (now: well inside the exact range). */
function formatTime(usecString) {
	const usec = Number(usecString);
	const days = Math.floor(usec / 86400e6), inDay = usec - days * 86400e6;
	const [y, mo, d] = civilFromDays(days);
	const sec = Math.floor(inDay / 1e6), frac = inDay % 1e6;
	let s = String(y).padStart(4, '0') + '-' + pad2(mo) + '-' + pad2(d) + 'T' +
		pad2(Math.floor(sec / 3600)) + ':' + pad2(Math.floor(sec / 60) % 60) + ':' + pad2(sec % 60);
	if (frac)
		s += '.' + String(frac).padStart(6, '0').replace(/0+$/, '');
	return s + 'Z';
}

/* --- the event: pure/event_input.c ----------------------------------------- */

/* utf8_cut: at most max bytes, at a character boundary. */
function utf8Cut(s, max) {
	if (s.length * 3 <= max || Buffer.byteLength(s) <= max)
		return s;
	const b = Buffer.from(s);
	let k = max;
	while (k > 0 && (b[k] & 0xc0) === 0x80)
		k--;
	return b.toString('utf8', 0, k);
}

/* utf8_count: code points (a JS string counts UTF-16 units). */
function charCount(s) {
	let n = 0;
	for (const _ of s)
		n++;
	return n;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/* environment and release: event_input_name_ok. */
function nameOk(s, max) {
	if (typeof s !== 'string' || s.length === 0 || /[\x00-\x1f\x7f]/.test(s))
		return false;
	return s.length <= max || charCount(s) <= max;
}

/* event_input_parse, for the fields an /apps event has; the same order, so
 * the same field is named first. */
function parseEvent(doc) {
	if (!isObject(doc))
		invalid('', 'an event must be a JSON object');
	if (doc.event_id !== undefined && doc.event_id !== null)
		invalid('event_id', 'the peer does not take event_id (telltale stores it with another statement)');
	const at = doc.occurred_at;
	if (at === undefined || at === null)
		invalid('occurred_at', 'is required');
	const occurredUs = typeof at === 'string' ? parseTimeText(at) : typeof at === 'number' ? parseTimeUnix(at) : null;
	if (occurredUs === null)
		invalid('occurred_at', 'must be an RFC 3339 timestamp, a date, or Unix seconds (years 1-9999)');
	const level = typeof doc.level === 'string' ? doc.level.toUpperCase() : null;
	if (!level || LEVELS[level] !== 1)
		invalid('level', 'must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL');
	const message = doc.message;
	if (typeof message !== 'string' || message.length === 0)
		invalid('message', 'must be a non-empty string');
	const stack = doc.stack == null ? null : doc.stack, tags = doc.tags == null ? null : doc.tags;
	if (stack !== null && !isObject(stack))
		invalid('stack', 'must be a JSON object or null');
	if (tags !== null && !isObject(tags))
		invalid('tags', 'must be a JSON object or null');
	const environment = doc.environment == null ? null : doc.environment;
	if (environment !== null && !nameOk(environment, EVENT_ENVIRONMENT_MAX))
		invalid('environment', 'must be 1 to 64 characters without control characters, or null');
	const release = doc.release == null ? null : doc.release;
	if (release !== null && !nameOk(release, EVENT_RELEASE_MAX))
		invalid('release', 'must be 1 to 200 characters without control characters, or null');
	const fingerprint = doc.fingerprint == null ? null : doc.fingerprint;
	if (fingerprint !== null && !(Array.isArray(fingerprint) && fingerprint.length > 0 &&
		fingerprint.length <= EVENT_FINGERPRINT_PARTS_MAX &&
		fingerprint.every((p) => typeof p === 'string' && p.length > 0 && Buffer.byteLength(p) <= EVENT_FINGERPRINT_PART_MAX)))
		invalid('fingerprint', 'must be an array of 1 to 32 strings of 1 to 512 bytes, or null');
	return { occurredUs, level, message, cut: utf8Cut(message, EVENT_MESSAGE_MAX), stack, tags, environment, release, fingerprint };
}

/* --- the fingerprint: pure/fingerprint.c, byte for byte ---------------------- */

/* The C code works on bytes with the C locale's ctype: only ASCII letters and
 * digits count, which is what these tests on UTF-16 units give too. */
const isDigit = (c) => c >= 48 && c <= 57;
const isAlnum = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWord = (c) => isAlnum(c) || c === 95;
const isHex = (c) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isLocal = (c) => isWord(c) || c === 46 || c === 37 || c === 43 || c === 45;     // . % + -
const isDomain = (c) => isAlnum(c) || c === 45 || c === 46;
const isIpChar = (c) => isHex(c) || c === 58 || c === 46;
const isV4Char = (c) => isDigit(c) || c === 46;

/* The length of the run of in() at s[i..n). */
function runOf(s, n, i, inSet) {
	let j = i;
	while (j < n && inSet(s.charCodeAt(j)))
		j++;
	return j - i;
}

/* Each matcher looks at s[i..n) and answers the length of its match, or 0. */
function matchUuid(s, i, n) {
	const groups = [8, 4, 4, 4, 12];
	let j = i;
	for (let g = 0; g < 5; g++) {
		if (runOf(s, n, j, isHex) < groups[g])
			return 0;
		j += groups[g];
		if (g < 4 && (j >= n || s.charCodeAt(j++) !== 45))
			return 0;
	}
	return j < n && isWord(s.charCodeAt(j)) ? 0 : j - i;
}

function matchEmail(s, i, n) {
	const local = runOf(s, n, i, isLocal);
	if (local === 0 || i + local >= n || s.charCodeAt(i + local) !== 64)
		return 0;
	let domain = runOf(s, n, i + local + 1, isDomain);
	while (domain > 0 && s.charCodeAt(i + local + domain) === 46)
		domain--;                       // a sentence's full stop
	if (domain < 3 || s.slice(i + local + 1, i + local + 1 + domain).indexOf('.') < 0)
		return 0;
	return local + 1 + domain;
}

const INET6_ADDRSTRLEN = 46;

function matchIp(s, i, n) {
	let len = runOf(s, n, i, isV4Char);
	while (len > 0 && s.charCodeAt(i + len - 1) === 46)
		len--;
	if (len > 0 && len <= INET6_ADDRSTRLEN && net.isIPv4(s.substr(i, len)))
		return i + len < n && isWord(s.charCodeAt(i + len)) ? 0 : len;
	len = Math.min(runOf(s, n, i, isIpChar), INET6_ADDRSTRLEN);
	for (; len > 2; len--) {
		const t = s.substr(i, len);
		if (t.indexOf(':') >= 0 && net.isIPv6(t))
			return i + len < n && isWord(s.charCodeAt(i + len)) ? 0 : len;
	}
	return 0;
}

function matchHex(s, i, n) {
	const prefix = n - i > 2 && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120 ? 2 : 0;
	const len = runOf(s, n, i + prefix, isHex);
	let letters = 0;
	for (let k = i + prefix; k < i + prefix + len; k++)
		letters += isDigit(s.charCodeAt(k)) ? 0 : 1;
	if (i + prefix + len < n && isWord(s.charCodeAt(i + prefix + len)))
		return 0;
	return (prefix && len > 0) || (len >= 8 && letters > 0) ? prefix + len : 0;
}

/* Digits, and a fraction: [length, decimal]. */
function matchNumber(s, i, n) {
	let len = runOf(s, n, i, isDigit);
	if (len === 0)
		return [0, false];
	if (i + len + 1 < n && s.charCodeAt(i + len) === 46 && isDigit(s.charCodeAt(i + len + 1)))
		return [len + 1 + runOf(s, n, i + len + 1, isDigit), true];
	return [len, false];
}

function matchQuoted(s, i, n) {
	const q = s.charCodeAt(i);
	if (q !== 39 && q !== 34)
		return 0;
	for (let k = i + 1; k < n && s.charCodeAt(k) !== 10; k++)
		if (s.charCodeAt(k) === q)
			return k + 1 < n && isWord(s.charCodeAt(k + 1)) ? 0 : k + 1 - i;
	return 0;
}

/* variable_at: [placeholder, length] or null. */
function variableAt(s, i, n) {
	let len;
	if ((len = matchUuid(s, i, n)))
		return ['<uuid>', len];
	if ((len = matchEmail(s, i, n)))
		return ['<email>', len];
	if ((len = matchIp(s, i, n)))
		return ['<ip>', len];
	if ((len = matchHex(s, i, n)))
		return ['<hex>', len];
	const [nl, decimal] = matchNumber(s, i, n);
	if (nl)
		return [decimal ? '<float>' : '<int>', nl];
	if ((len = matchQuoted(s, i, n)))
		return ['<str>', len];
	return null;
}

/* fingerprint_normalise: variable parts become placeholders; a variable
 * part starts a word ("v2" and "user42" stay). */
function normalise(msg) {
	const n = msg.length;
	let out = '', kept = 0;
	for (let i = 0; i < n;) {
		const v = i === 0 || !isWord(msg.charCodeAt(i - 1)) ? variableAt(msg, i, n) : null;
		if (!v) {
			i++;
			continue;
		}
		out += msg.slice(kept, i) + v[0];
		i += v[1];
		kept = i;
	}
	return kept === 0 ? msg : out + msg.slice(kept);
}

const memberText = (o, k) => (isObject(o) && typeof o[k] === 'string' && o[k].length > 0 ? o[k] : null);
const memberArray = (o, k) => (isObject(o) && Array.isArray(o[k]) ? o[k] : null);
const putText = (t) => t.replace(/[\x00-\x1f]/g, ' ');     // no text can end a part
const part = (kind, t) => kind + putText(t) + '\n';

/* exceptions_of: Sentry's values; or [null, the stack] for an /apps stack that
 * names a type or a frame's function. */
function exceptionsOf(stack) {
	const values = memberArray(stack, 'values');
	if (values)
		return [values, null];
	if (!isObject(stack))
		return [null, null];
	let one = null;
	const frames = memberArray(stack, 'frames');
	if (frames && frames.some((f) => memberText(f, 'function')))
		one = stack;
	if (memberText(stack, 'type'))
		one = stack;
	return [null, one];
}

function framesOf(exception) {
	const trace = isObject(exception) && isObject(exception.stacktrace) ? exception.stacktrace : null;
	return memberArray(trace || exception, 'frames');
}

const inApp = (f) => isObject(f) && f.in_app === true;
const framePlace = (f) => memberText(f, 'module') || memberText(f, 'filename') || memberText(f, 'file') || '';

/* put_exception: [parts, innermost frame that counted]. */
function putException(exception) {
	const frames = framesOf(exception), onlyInApp = !!frames && frames.some(inApp);
	let parts = part('type:', memberText(exception, 'type') || ''), innermost = null;
	for (const frame of frames || []) {
		if (onlyInApp && !inApp(frame))
			continue;
		parts += 'frame:' + putText(framePlace(frame)) + '\x1f' + putText(memberText(frame, 'function') || '') + '\n';
		innermost = frame;
	}
	return [parts, innermost];
}

/* put_default: the exceptions' parts when one has frames, else the message's. */
function putDefault(stack, normalised) {
	const [values, one] = exceptionsOf(stack);
	let withFrames = one !== null;
	for (const v of values || [])
		withFrames = withFrames || framesOf(v) !== null;
	if (!withFrames)
		return [part('message:', normalised), null];
	let parts = '', innermost = null;
	for (const e of one ? [one].concat(values || []) : values) {
		const [p, f] = putException(e);
		parts += p;
		if (f)
			innermost = f;
	}
	return [parts, innermost];
}

const isDefaultMarker = (s) => /^\{\{[ \t]*default[ \t]*\}\}$/i.test(s);

function makeTitle(stack, normalised, message) {
	const [values, one] = exceptionsOf(stack);
	let last = one;
	for (const v of values || [])
		if (memberText(v, 'type'))
			last = v;
	let title;
	if (last && memberText(last, 'type')) {
		let value = memberText(last, 'value');
		if (!value && !memberArray(stack, 'values'))
			value = message;        // an /apps stack's value is the event's message
		title = memberText(last, 'type') + (value ? ': ' + value : '');
	} else {
		title = normalised;
	}
	return utf8Cut(title, FINGERPRINT_TITLE_MAX);
}

function makeCulprit(frame) {
	const fn = frame ? memberText(frame, 'function') : null, place = frame ? framePlace(frame) : '';
	if (!frame || (!fn && !place))
		return null;
	return place + (fn ? (place ? ' in ' : '') + fn : '');
}

/* fingerprint_of: { fp: sha256 hex of the parts, title, culprit }. */
function fingerprintOf(ev) {
	const normalised = normalise(ev.cut);
	const [ours, culpritFrame] = putDefault(ev.stack, normalised);
	const parts = ev.fingerprint ?
		ev.fingerprint.map((s) => (isDefaultMarker(s) ? ours : part('custom:', s))).join('') : ours;
	return { fp: sha256hex(parts), title: makeTitle(ev.stack, normalised, ev.message), culprit: makeCulprit(culpritFrame) };
}

/* event_rows_add for one event without event_id: the same keys in the same
 * order, absent ones left out; group 0 carries fp, title and culprit. The
 * stack and the context go beside the row, as JSON text ($4, $5). */
function rowsOf(ev) {
	return [rowsText(ev), ev.stack ? JSON.stringify(ev.stack) : null, null];
}

function rowsText(ev) {
	const f = fingerprintOf(ev);
	let t = '[{"i":0,"occurred_us":' + ev.occurredUs + ',"level":"' + ev.level + '","message":' + JSON.stringify(ev.cut);
	if (ev.tags)
		t += ',"tags":' + JSON.stringify(ev.tags);
	if (ev.environment !== null)
		t += ',"environment":' + JSON.stringify(ev.environment);
	if (ev.release !== null)
		t += ',"release":' + JSON.stringify(ev.release);
	t += ',"g":0,"fp":"' + f.fp + '","title":' + JSON.stringify(f.title);
	if (f.culprit !== null)
		t += ',"culprit":' + JSON.stringify(f.culprit);
	return t + '}]';
}

/* --- the routes --------------------------------------------------------------- */

const app = fastify({ logger: false, bodyLimit: BODY_LIMIT_BULK });

// The body stays bytes until the key has passed: telltale reads nothing of
// a body before it has checked the key, and checks the content type itself.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => done(null, body));

// The worker's answers carry these (src/http/response.c).
app.addHook('onSend', (req, reply, payload, done) => {
	reply.header('X-Content-Type-Options', 'nosniff');
	reply.header('Cache-Control', 'no-store');
	done(null, payload);
});

function sendError(reply, e) {
	if (!(e instanceof Refusal)) {
		// A connection that could not be made is 503, anything else 500,
		// as respond_with does for DB_UNAVAILABLE and the rest.
		const down = e && (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === '57P01' ||
			/terminat|connect/i.test(String(e.message)));
		e = down ? new Refusal(503, 'UNAVAILABLE', 'the database cannot be reached; retry shortly') :
			new Refusal(500, 'INTERNAL', 'internal error');
		if (down)
			reply.header('Retry-After', '1');
	}
	const b = { error: e.code, message: e.message };
	if (e.field)
		b.field = e.field;
	reply.code(e.status).header('content-type', 'application/json').send(JSON.stringify(b));
}

/* read_path_id / params_parse_id: 1 to 19 digits, above 0, within int64. */
function pathId(s) {
	if (!/^[0-9]{1,19}$/.test(s))
		return null;
	const v = BigInt(s);
	return v > 0n && v <= 9223372036854775807n ? v.toString() : null;
}

app.post('/apps/:app_id/events', async (req, reply) => {
	try {
		const appId = pathId(req.params.app_id);
		if (appId === null)
			throw new Refusal(404, 'NOT_FOUND', 'no such resource');
		const key = req.headers['x-ingest-key'];
		if (!key)
			throw wrongKey();
		const digest = sha256hex(key);
		if (!(await keyKnown(appId, digest)))
			throw wrongKey();
		// read_json_each's refusals (type, size, syntax, UTF-8, null) answer
		// as they are; an event's refusal goes through ingest_refuse below.
		const doc = readBody(req);
		let rows;
		try {
			rows = rowsOf(parseEvent(doc));
		} catch (e) {
			if (!(e instanceof Refusal))
				throw e;
			// error_name_field: the field leads the message.
			if (e.field)
				e.message = e.field + ' ' + e.message;
			else
				e.field = undefined;
			// ingest_refuse: a refused event is a 403 when the key has gone
			// wrong since the cache said yes.
			const valid = await pool.query({ name: 'key_check', text: KEY_CHECK_SQL, values: [appId, digest], rowMode: 'array' });
			throw valid.rows.length === 0 ? wrongKey() : e;
		}
		const res = await pool.query({ name: 'ingest', text: INGEST_SQL, values: [appId, digest, ...rows], rowMode: 'array' });
		if (res.rows.length === 0)
			throw wrongKey();       // the statement checks the key again
		const r = res.rows[0];
		reply.code(r[3] === true ? 201 : 200).header('content-type', 'application/json')
			.send('{"id":' + r[1] + ',"application_id":' + appId + ',"received_at":"' + formatTime(r[2]) + '"}');
	} catch (e) {
		sendError(reply, e);
	}
	return reply;
});

app.get('/health', async (req, reply) => {
	reply.header('content-type', 'application/json').send('{"status":"ok"}');
	return reply;
});

// Listen only once the database answers, so that bench/peer/start fails
// (and shows why) rather than a benchmark counting errors.
pool.query('SELECT 1')
	.then(() => app.listen({ host: '127.0.0.1', port: PORT }))
	.catch((e) => {
		console.error('peer: ' + e.message);
		process.exit(1);
	});
