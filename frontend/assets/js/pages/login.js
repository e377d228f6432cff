// /login — sign in with a username and password; then back to the page that
// sent the person here (?next=, a path of this site only) or to /.
import { api } from '../api.js';
import { $ } from '../dom.js';
import { readQuery } from '../query.js';

const form = $('#login-form');
const message = $('#login-message');
const submit = form.querySelector('button[type=submit]');
const next = safeNext(readQuery(['next']).next);
let waitTimer = null;

/** value when it is a path of this site ("/…", not "//…" nor "/\…", which
 *  browsers read as another host), else "/". The sign-in page itself is no
 *  destination. */
export function safeNext(value) {
	if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\'))
		return '/';
	let url;
	try {
		url = new URL(value, window.location.origin);
	} catch {
		return '/';
	}
	if (url.origin !== window.location.origin || url.pathname.replace(/\/+$/, '') === '/login')
		return '/';
	return url.pathname + url.search + url.hash;
}

/** Seconds as "N seconds" or "N minutes". */
function fmtWait(seconds) {
	if (seconds < 60)
		return `${seconds} second${seconds === 1 ? '' : 's'}`;
	const minutes = Math.ceil(seconds / 60);
	return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function say(text) {
	message.textContent = text;
	message.classList.toggle('hidden', !text);
}

/** Refuses to send again until the server's wait has passed. */
function holdOff(seconds) {
	clearTimeout(waitTimer);
	submit.disabled = true;
	waitTimer = setTimeout(() => {
		submit.disabled = false;
		say('');
	}, seconds * 1000);
}

function failed(err) {
	if (err.status === 401) {
		say('Wrong username or password.');
		form.elements.password.value = '';
		form.elements.password.focus();
	} else if (err.status === 429) {
		const wait = err.retryAfter && err.retryAfter > 0 ? err.retryAfter : 60;
		say(`Too many failed sign-ins. Wait ${fmtWait(wait)} before you try again.`);
		holdOff(wait);
	} else if (err.status === 0) {
		say('The telltale API cannot be reached. Is the stack running?');
	} else if (err.status >= 502 && err.status <= 504) {
		say(`The telltale API is unavailable (${err.message}). Try again in a moment.`);
	} else {
		say(`${err.message}${err.field ? ` (field: ${err.field})` : ''}`);
	}
}

if (next !== '/')
	$('#signin-next').textContent = `Sign in to go on to ${next}.`;

form.addEventListener('submit', async (event) => {
	event.preventDefault();
	say('');
	submit.disabled = true;
	try {
		await api('/v1/auth/login', {
			method: 'POST',
			body: { username: form.elements.username.value.trim(), password: form.elements.password.value },
		});
	} catch (err) {
		submit.disabled = false;
		failed(err);
		return;
	}
	window.location.replace(next);
});
