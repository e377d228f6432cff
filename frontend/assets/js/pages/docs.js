// /docs — Swagger UI (swagger-ui-dist, loaded before this module as a classic
// script: window.SwaggerUIBundle) over /openapi.json.
import { h, showLoading } from '../dom.js';
import { layout } from '../layout.js';

layout('docs');

const state = document.getElementById('docs-state');

if (typeof window.SwaggerUIBundle !== 'function') {
	state.replaceChildren(h('p', { class: 'state error', role: 'alert' },
		'Swagger UI did not load (is frontend/node_modules installed?). The document itself is at ',
		h('a', { href: '/openapi.json' }, '/openapi.json'), '.'));
} else {
	showLoading(state, 'Loading the API description…');
	window.SwaggerUIBundle({
		url: '/openapi.json',
		dom_id: '#swagger',
		deepLinking: true,
		validatorUrl: null,
		defaultModelsExpandDepth: 0,
		docExpansion: 'list',
		tryItOutEnabled: false,
		onComplete: () => state.replaceChildren(),
	});
}
