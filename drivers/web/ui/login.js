// The log-in page: POST /api/login, then the dashboard (the session cookie is HttpOnly).
'use strict';
document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('login-error');
  error.textContent = '';
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({password: document.getElementById('password').value}),
  });
  if (response.ok) {
    window.location.replace('/');
    return;
  }
  const body = await response.json().catch(() => ({}));
  error.textContent = body.error || ('HTTP ' + response.status);
});
