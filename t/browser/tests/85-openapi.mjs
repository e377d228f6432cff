// openapi.json is valid OpenAPI (t/1900-openapi.t checks it against the
// worker's route table).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { assert, ROOT, test } from '../lib.mjs';

const run = promisify(execFile);

test('openapi.json is valid OpenAPI 3.1 (redocly lint, recommended rules)', async () => {
	const cli = path.join(import.meta.dirname, '../node_modules/.bin/redocly');
	try {
		await run(cli, ['lint', '--format=stylish', path.join(ROOT, 'frontend/openapi.json')],
			{ env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } });
	} catch (err) {
		assert.fail(`redocly lint failed:\n${err.stdout}\n${err.stderr}`);
	}
}, { page: false, timeout: 120000 });
