import { test } from '../lib.mjs';
import { seed } from '../seed.mjs';

test('seed: services, keys, logs, applications and events through the API', async () => {
	await seed();
}, { page: false });
