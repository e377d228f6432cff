// openapi.json covers every route the worker serves, and is valid OpenAPI.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { assert, ROOT, test } from '../lib.mjs';

const run = promisify(execFile);

/** The routes of src/api/routes.c as "METHOD /path/*" (trailing slashes dropped). */
export function routerRoutes() {
	const src = fs.readFileSync(path.join(ROOT, 'src/api/routes.c'), 'utf8');
	const table = src.slice(src.indexOf('routes[] = {'), src.indexOf('};', src.indexOf('routes[] = {')));
	const out = [];
	for (const m of table.matchAll(/\{\s*"([A-Z]+)",\s*"([^"]+)",\s*\w+\s*\}/g))
		out.push(`${m[1]} ${m[2].replace(/\/+$/, '')}`);
	return out;
}

/** The operations of openapi.json as "METHOD /path/*". */
function documented() {
	const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'frontend/openapi.json'), 'utf8'));
	const out = [];
	for (const [p, item] of Object.entries(doc.paths)) {
		for (const m of Object.keys(item)) {
			if (['get', 'put', 'post', 'delete', 'options', 'head', 'patch'].includes(m))
				out.push(`${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, '*').replace(/\/+$/, '')}`);
		}
	}
	return out;
}

test('every route of src/api/routes.c is in openapi.json, and nothing else', async () => {
	const routes = routerRoutes();
	assert.ok(routes.length >= 30, `the route table was read (${routes.length} routes)`);
	const docs = documented();
	assert.deepEqual(routes.filter((r) => !docs.includes(r)), [], 'routes missing from openapi.json');
	assert.deepEqual(docs.filter((d) => !routes.includes(d)), [], 'operations the worker does not serve');
}, { page: false });

test('openapi.json is valid OpenAPI 3.1 (redocly lint, recommended rules)', async () => {
	const cli = path.join(import.meta.dirname, '../node_modules/.bin/redocly');
	try {
		await run(cli, ['lint', '--format=stylish', path.join(ROOT, 'frontend/openapi.json')],
			{ env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } });
	} catch (err) {
		assert.fail(`redocly lint failed:\n${err.stdout}\n${err.stderr}`);
	}
}, { page: false, timeout: 120000 });
