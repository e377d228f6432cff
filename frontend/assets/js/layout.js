// The bar at the top of every page, and the page's start-up.
import { api } from './api.js';
import { h } from './dom.js';

const LINKS = [
	['/', 'Services', 'services'],
	['/dashboard', 'Request log', 'dashboard'],
	['/metrics-ui', 'Metrics', 'metrics'],
	['/alerts-ui', 'Alerts', 'alerts'],
	['/errors', 'Errors', 'errors'],
	['/docs', 'API docs', 'docs'],
];

/** Puts the navigation bar into #nav, with page (one of LINKS' keys) current,
 *  and starts the health indicator. */
export function layout(page) {
	const health = h('span', { class: 'health', id: 'health', title: 'GET /v1/health' }, 'checking…');
	const bar = h('header', { class: 'topbar' },
		h('a', { class: 'brand', href: '/' },
			h('img', { src: '/assets/favicon.svg', alt: '' }), 'telltale'),
		h('nav', { 'aria-label': 'Sections' }, LINKS.map(([href, label, key]) =>
			h('a', { href, 'aria-current': key === page ? 'page' : null }, label))),
		health);
	document.getElementById('nav').replaceChildren(bar);
	checkHealth(health);
}

async function checkHealth(el) {
	try {
		const answer = await api('/v1/health');
		el.className = 'health ok';
		el.textContent = answer && answer.database === 'ok' ? 'API ok' : 'API answering';
	} catch (err) {
		el.className = 'health down';
		el.textContent = err.status === 0 ? 'API unreachable'
			: err.status === 503 ? 'database unavailable' : `API error ${err.status}`;
	}
}

/** The page's path segment after prefix (e.g. '/log/') decoded, or null. */
export function pathParam(prefix) {
	const path = window.location.pathname;
	if (!path.startsWith(prefix))
		return null;
	const rest = path.slice(prefix.length).replace(/\/+$/, '');
	if (!rest || rest.includes('/'))
		return null;
	try {
		return decodeURIComponent(rest);
	} catch {
		return null;
	}
}
