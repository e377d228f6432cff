// /users — your account (your password), your API tokens (an admin's: every
// token, with its owner), and for admins the users: add one, change a role,
// set a new password, delete one.
import { api, seg } from '../api.js';
import { $, errorBox, formError, h, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { atLeast, layout, ROLES } from '../layout.js';
import { readForm, readQuery } from '../query.js';
import { secretBox } from '../secret.js';

const USERS_PAGE = Math.min(100, Math.max(1, parseInt(readQuery(['limit']).limit, 10) || 50));
const tokensBox = $('#tokens');
const newToken = $('#new-token');
const tokenForm = $('#token-form');
const usersBox = $('#users');
const usersMessage = $('#users-message');
const more = $('#users-more');
let me = null;
let users = [];
let nextCursor = null;

// --- your account ------------------------------------------------------------

function renderAccount() {
	$('#account').replaceChildren('Signed in as ', h('strong', null, me.username), ' with the role ',
		h('span', { class: 'badge' }, me.role), '; a user since ', timeEl(me.created_at), '.');
}

$('#password-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const form = event.currentTarget;
	const done = $('#password-done');
	const { password, repeat } = form.elements;
	formError(form, null);
	done.replaceChildren();
	if (password.value !== repeat.value) {
		formError(form, { message: 'The two passwords differ.', field: 'repeat' });
		return;
	}
	try {
		await api('/v1/users/me', { method: 'PATCH', body: { password: password.value } });
	} catch (err) {
		formError(form, err);
		return;
	}
	form.reset();
	done.replaceChildren(h('p', { class: 'state ok', role: 'status' },
		'Your password is changed. Use the new one next time you sign in.'));
});

// --- tokens ------------------------------------------------------------------

function fillTokenRoles() {
	const select = tokenForm.elements.role;
	const mine = ROLES.filter((role) => !me || atLeast(me, role));
	select.replaceChildren(...mine.map((role) => new Option(role, role)));
	select.value = me ? me.role : mine[mine.length - 1];
	// The earliest expiry offered is tomorrow.
	const tomorrow = new Date(Date.now() + 86400e3);
	tokenForm.elements.expires.min = tomorrow.toISOString().slice(0, 10);
}

function expiry(token) {
	if (!token.expires_at)
		return 'never';
	const past = new Date(token.expires_at) <= new Date();
	return h('span', null, timeEl(token.expires_at),
		past ? [' ', h('span', { class: 'badge off' }, 'expired')] : null);
}

async function loadTokens() {
	showLoading(tokensBox, 'Loading tokens…');
	let tokens;
	try {
		tokens = await api('/v1/tokens');
	} catch (err) {
		showError(tokensBox, err, loadTokens);
		return;
	}
	if (!tokens.length) {
		showEmpty(tokensBox, 'No API tokens yet. Create one above for a script or a service.');
		return;
	}
	const owners = atLeast(me, 'admin');
	tokensBox.replaceChildren(h('table', { id: 'tokens-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'Name'), h('th', null, 'Prefix'), h('th', null, 'Role'),
			owners ? h('th', null, 'Owner') : null,
			h('th', null, 'Expires'), h('th', null, 'Last used'), h('th', null, 'Created'), h('th', null, ''))),
		h('tbody', null, tokens.map((t) => h('tr', { dataset: { id: String(t.id) } },
			h('td', null, t.name),
			h('td', { class: 'mono' }, `${t.prefix}…`),
			h('td', null, h('span', { class: 'badge' }, t.role)),
			owners ? h('td', null, t.user ? t.user.username : '–') : null,
			h('td', null, expiry(t)),
			h('td', null, t.last_used_at ? timeEl(t.last_used_at) : 'never'),
			h('td', null, timeEl(t.created_at)),
			h('td', null, h('button', { type: 'button', class: 'danger', onclick: () => revokeToken(t) }, 'Revoke')))))));
}

async function revokeToken(token) {
	const owner = token.user && me && token.user.id !== me.id ? ` of ${token.user.username}` : '';
	if (!window.confirm(`Revoke the token "${token.name}"${owner}? Whatever uses it is refused from now on.`))
		return;
	try {
		await api(`/v1/tokens/${seg(token.id)}`, { method: 'DELETE' });
	} catch (err) {
		showError(tokensBox, err, loadTokens);
		return;
	}
	newToken.replaceChildren();
	loadTokens();
}

tokenForm.addEventListener('submit', async (event) => {
	event.preventDefault();
	const values = readForm(tokenForm, ['name', 'role', 'expires']);
	const body = { name: values.name, role: values.role };
	if (values.expires)
		body.expires_at = `${values.expires}T00:00:00Z`;
	formError(tokenForm, null);
	newToken.replaceChildren();
	let token;
	try {
		token = await api('/v1/tokens', { method: 'POST', body });
	} catch (err) {
		formError(tokenForm, err);
		return;
	}
	tokenForm.reset();
	fillTokenRoles();
	newToken.replaceChildren(secretBox(`New token "${token.name}"`, token.token,
		h('span', null, 'Send it as the header ', h('code', null, 'Authorization: Bearer <this token>'), '.'), 'token'));
	loadTokens();
});

// --- users (admins) ------------------------------------------------------------

function userRow(user) {
	const role = h('select', {
		name: 'role',
		'aria-label': `Role of ${user.username}`,
		onchange: () => changeRole(user, role),
	}, ROLES.map((r) => h('option', { value: r }, r)));
	role.value = user.role;
	return h('tr', { dataset: { id: String(user.id) } },
		h('td', null, user.username, me && user.id === me.id ? h('span', { class: 'muted small' }, ' (you)') : null),
		h('td', null, role),
		h('td', null, user.last_login_at ? timeEl(user.last_login_at) : 'never'),
		h('td', null, timeEl(user.created_at)),
		h('td', null, h('div', { class: 'row' },
			h('button', { type: 'button', class: 'secondary', onclick: (e) => openReset(user, e.currentTarget.closest('tr')) }, 'Set a password'),
			h('button', { type: 'button', class: 'danger', onclick: () => deleteUser(user) }, 'Delete'))));
}

function renderUsers() {
	if (!users.length) {
		showEmpty(usersBox, 'No users.');
		return;
	}
	usersBox.replaceChildren(h('table', { id: 'users-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'Username'), h('th', null, 'Role'), h('th', null, 'Last sign-in'),
			h('th', null, 'Created'), h('th', null, ''))),
		h('tbody', null, users.map(userRow))));
}

async function loadUsers(append = false) {
	if (!append) {
		users = [];
		nextCursor = null;
		showLoading(usersBox, 'Loading users…');
	}
	more.disabled = true;
	let page;
	try {
		page = await api('/v1/users', { query: { limit: USERS_PAGE, cursor: append ? nextCursor : '' } });
	} catch (err) {
		more.disabled = false;
		if (append)
			usersMessage.replaceChildren(errorBox(err));
		else
			showError(usersBox, err, () => loadUsers());
		return;
	}
	users.push(...page.items);
	nextCursor = page.next_cursor;
	more.disabled = false;
	more.classList.toggle('hidden', !nextCursor);
	$('#users-info').textContent = nextCursor ? `${users.length} users so far` : '';
	renderUsers();
}

/** A note above the users table: text as a success, or err. */
function usersNote(err, text) {
	usersMessage.replaceChildren(err ? errorBox(err) : h('p', { class: 'state ok', role: 'status' }, text));
}

async function changeRole(user, select) {
	const role = select.value;
	select.disabled = true;
	try {
		const changed = await api(`/v1/users/${seg(user.id)}`, { method: 'PATCH', body: { role } });
		Object.assign(user, changed);
		usersNote(null, `${user.username} is now ${user.role}.`);
	} catch (err) {
		select.value = user.role;
		usersNote(err);
	} finally {
		select.disabled = false;
	}
	if (me && user.id === me.id && user.role !== me.role)
		window.location.reload();   // one's own role: the page shows what it allows
}

/** A row under user's row with a form for a new password. */
function openReset(user, row) {
	const open = usersBox.querySelector('tr.reset-row');
	if (open)
		open.remove();
	const form = h('form', { class: 'row reset-form', autocomplete: 'off' },
		h('label', { class: 'inline' }, `New password for ${user.username}`,
			h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', placeholder: 'at least 12 characters' })),
		h('button', { type: 'submit' }, 'Set the password'),
		h('button', { type: 'button', class: 'secondary', onclick: () => reset.remove() }, 'Cancel'));
	const reset = h('tr', { class: 'reset-row', dataset: { id: String(user.id) } },
		h('td', { colspan: '5' }, form));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		formError(form, null);
		try {
			await api(`/v1/users/${seg(user.id)}`, { method: 'PATCH', body: { password: form.elements.password.value } });
		} catch (err) {
			formError(form, err);
			return;
		}
		reset.remove();
		usersNote(null, `The password of ${user.username} is changed.`);
	});
	row.after(reset);
	form.elements.password.focus();
}

async function deleteUser(user) {
	if (!window.confirm(`Delete the user "${user.username}"? Their tokens and sessions end with them.`))
		return;
	try {
		await api(`/v1/users/${seg(user.id)}`, { method: 'DELETE' });
	} catch (err) {
		usersNote(err);
		return;
	}
	usersNote(null, `${user.username} is deleted.`);
	loadUsers();
	loadTokens();
}

$('#user-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const form = event.currentTarget;
	const values = readForm(form, ['username', 'role']);
	formError(form, null);
	usersMessage.replaceChildren();
	let user;
	try {
		user = await api('/v1/users', {
			method: 'POST', body: { username: values.username, password: form.elements.password.value, role: values.role },
		});
	} catch (err) {
		formError(form, err);
		return;
	}
	form.reset();
	usersNote(null, `${user.username} can sign in now, as ${user.role}.`);
	loadUsers();
});

more.addEventListener('click', () => loadUsers(true));

// --- start ---------------------------------------------------------------------

async function init() {
	me = await layout('users');
	if (me)
		renderAccount();
	else
		$('#account').textContent = 'Who is signed in cannot be read right now.';
	fillTokenRoles();
	loadTokens();
	if (!me || atLeast(me, 'admin'))
		loadUsers();
}

init();
