// The bar at the top of every page, the signed-in person, and the page's
// start-up.
import { api } from './api.js';
import { h } from './dom.js';

const LINKS = [
	['/', 'Services', 'services'],
	['/dashboard', 'Request log', 'dashboard'],
	['/metrics-ui', 'Metrics', 'metrics'],
	['/alerts-ui', 'Alerts', 'alerts'],
	['/errors', 'Errors', 'errors'],
	['/docs', 'API docs', 'docs'],
	['/users', 'Users & tokens', 'users'],
];
const ADMIN_LINKS = [
	['/audit', 'Audit', 'audit'],
];

/** The roles, least first. */
export const ROLES = ['viewer', 'member', 'admin'];

/** Whether user (a USER, or null when unknown) has role or a greater one. */
export function atLeast(user, role) {
	return Boolean(user) && ROLES.indexOf(user.role) >= ROLES.indexOf(role);
}

let me = null;

/** Puts the navigation bar into #nav, with page (one of LINKS' keys) current,
 *  starts the health indicator and asks who is signed in (once a page).
 *  Returns a promise of the USER, or of null when the API cannot say (it is
 *  down): then nothing is hidden and the API decides. Without a session the
 *  browser goes to the sign-in page and the promise never settles.
 *
 *  The answer sets <body data-role>: elements marked data-needs="member" or
 *  "admin" show only for that role or a greater one (style.css), and are
 *  hidden until the role is known. */
export function layout(page) {
	const link = ([href, label, key]) => h('a', { href, 'aria-current': key === page ? 'page' : null }, label);
	const nav = h('nav', { 'aria-label': 'Sections' }, LINKS.map(link));
	const health = h('span', { class: 'health', id: 'health', title: 'GET /v1/health' }, 'checking…');
	const who = h('div', { class: 'who', id: 'who' });
	const bar = h('header', { class: 'topbar' },
		h('a', { class: 'brand', href: '/' },
			h('img', { src: '/assets/favicon.svg', alt: '' }), 'telltale'),
		nav, health, who);
	document.getElementById('nav').replaceChildren(bar);
	checkHealth(health);
	me = whoAmI().then((user) => {
		document.body.dataset.role = user ? user.role : 'unknown';
		if (user) {
			if (atLeast(user, 'admin'))
				nav.append(...ADMIN_LINKS.map(link));
			who.replaceChildren(
				h('span', { class: 'who-name', id: 'who-name' }, user.username),
				h('span', { class: 'badge role', id: 'who-role' }, user.role),
				h('button', { type: 'button', class: 'signout', id: 'signout', onclick: signOut }, 'Sign out'));
		}
		return user;
	});
	return me;
}

/** The promise layout() made: the signed-in USER, or null. */
export function currentUser() {
	return me || Promise.resolve(null);
}

async function whoAmI() {
	try {
		const answer = await api('/v1/auth/me');
		return answer && answer.user ? answer.user : null;
	} catch {
		return null;   // the API is down: the page's own regions say so
	}
}

/** POST /v1/auth/logout, then the sign-in page. (A session that had ended
 *  already gets a 401, which goes to the sign-in page too.) */
async function signOut(event) {
	const button = event.currentTarget;
	button.disabled = true;
	try {
		await api('/v1/auth/logout', { method: 'POST' });
	} catch (err) {
		button.disabled = false;
		button.textContent = 'Sign out (failed: try again)';
		button.title = err.message;
		return;
	}
	window.location.assign('/login');
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
