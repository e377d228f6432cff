// The browser tests: seeds data through the API, then drives every page of the
// dashboard in Chromium. Run by ./run; prints TAP and ends with
//     browser: N passed, N failed
import fs from 'node:fs';
import path from 'node:path';
import { BASE, runAll, STATE_DIR, TOKEN } from './lib.mjs';

const missing = !BASE ? 'TELLTALE_URL is not set (e.g. http://127.0.0.1:18600)'
	: !TOKEN ? 'TELLTALE_TOKEN is not set (an admin token of the stack, tt_…)'
	: !STATE_DIR ? 'TELLTALE_STATE_DIR is not set (the stack\'s STATE_DIR: the admin\'s password is read from it)'
	: null;
if (missing) {
	console.error(`t/browser: ${missing}`);
	console.log('browser: 0 passed, 1 failed');
	process.exit(2);
}

const dir = path.join(import.meta.dirname, 'tests');
const only = process.argv.slice(2);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()
	.filter((f) => !only.length || f.startsWith('00-') || only.some((o) => f.includes(o)));
for (const file of files)
	await import(path.join(dir, file));

const failed = await runAll();
process.exit(failed ? 1 : 0);
