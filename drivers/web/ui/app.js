// The dashboard: one panel per charger, live from /api/events (no polling), and the commands that go through the
// same station path as a Venus write. The configuration page is in config.js.
'use strict';

const GRAPH_WINDOW_MS = 10 * 60 * 1000;
const STALE_MS = 40 * 1000;  // the daemon sends a ping every 15 s: no event for this long means it is gone
const panels = new Map();    // charger id -> {root, graph, dragging}
let lastEvent = 0;

async function api(path, options = {}) {
  const init = {...options, headers: {'Content-Type': 'application/json', ...(options.headers || {})}};
  const response = await fetch(path, init);
  if (response.status === 401) {
    window.location.replace('/login');
    throw new Error('log in first');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || ('HTTP ' + response.status));
  }
  return body;
}

function post(path, body) {
  return api(path, {method: 'POST', body: JSON.stringify(body)});
}

function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.floor(seconds % 60);
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(s).padStart(2, '0')} s`;
}

function text(root, selector, value) {
  root.querySelector(selector).textContent = value;
}

function panelFor(charger) {
  let panel = panels.get(charger.id);
  if (panel) {
    return panel;
  }
  const root = document.getElementById('charger-template').content.firstElementChild.cloneNode(true);
  root.dataset.charger = charger.id;
  panel = {root, graph: new CurrentGraph(root.querySelector('.graph'), GRAPH_WINDOW_MS), dragging: false};
  const error = (e) => { root.querySelector('.error-line').textContent = e.message; };
  const ok = () => { root.querySelector('.error-line').textContent = ''; };
  root.querySelectorAll('.modes button').forEach((button) => button.addEventListener('click', () => {
    post('/api/mode', {charger: charger.id, mode: Number(button.dataset.mode)}).then(ok, error);
  }));
  root.querySelector('.startstop').addEventListener('click', (event) => {
    post('/api/startstop', {charger: charger.id, enabled: event.target.dataset.enabled !== 'true'}).then(ok, error);
  });
  const slider = root.querySelector('.current');
  slider.addEventListener('input', () => {
    panel.dragging = true;
    text(root, '.current-out', Number(slider.value).toFixed(1) + ' A');
  });
  slider.addEventListener('change', () => {
    panel.dragging = false;
    post('/api/set_current', {charger: charger.id, amps: Number(slider.value)}).then(ok, error);
  });
  const list = document.getElementById('chargers');
  if (!panels.size) {
    list.textContent = '';
  }
  list.appendChild(root);
  panels.set(charger.id, panel);
  return panel;
}

function renderCharger(charger, now) {
  const panel = panelFor(charger);
  const root = panel.root;
  text(root, '.name', charger.name);
  const link = root.querySelector('.link-state');
  link.textContent = charger.connected ? 'connected' : 'charger disconnected';
  link.classList.toggle('lost', !charger.connected);
  root.classList.toggle('lost', !charger.connected);
  text(root, '.status', charger.status);
  text(root, '.decision', charger.decision ? '· ' + charger.decision : '');
  text(root, '.power-value', charger.power_w === null ? '–' : (charger.power_w / 1000).toFixed(2));
  root.querySelector('.phases').textContent = charger.phases
    .map((p, i) => `L${i + 1} ${p.current_a === null ? '–' : p.current_a.toFixed(1)} A`).join('   ');
  root.querySelectorAll('.modes button').forEach((button) => {
    const mode = Number(button.dataset.mode);
    button.classList.toggle('active', mode === charger.mode);
    button.disabled = !charger.modes_available.includes(mode);
  });
  const startstop = root.querySelector('.startstop');
  startstop.dataset.enabled = String(charger.enabled);
  startstop.textContent = charger.enabled ? 'Stop' : 'Start';
  startstop.classList.toggle('stop', charger.enabled);
  const slider = root.querySelector('.current');
  const limits = charger.current;
  slider.min = String(Math.min(limits.min_a, limits.ceiling_a));
  slider.max = String(limits.ceiling_a);
  if (!panel.dragging && document.activeElement !== slider) {
    slider.value = String(Math.min(charger.set_current_a, limits.ceiling_a));
    text(root, '.current-out', Math.min(charger.set_current_a, limits.ceiling_a).toFixed(1) + ' A');
  }
  const circuit = limits.bound === 'circuit' && limits.circuit ? ` (${limits.circuit})` : '';
  text(root, '.limit', `allowed ${limits.allowed_a.toFixed(1)} A, bound by ${limits.bound}${circuit}` +
    (limits.station_max_a ? ` · station max ${limits.station_max_a} A` : ''));
  const session = charger.session;
  text(root, '.session-time', session.duration_s ? formatDuration(session.duration_s) : '–');
  text(root, '.session-energy', session.energy_kwh === null ? '–' : session.energy_kwh.toFixed(2) + ' kWh');
  text(root, '.session-cost', session.cost === null ? '–' : `${session.cost.toFixed(2)} ${session.unit}`);
  const actual = Math.max(...charger.phases.map((p) => p.current_a || 0));
  panel.graph.add({t: now, actual: charger.connected ? actual : 0, allowed: limits.allowed_a,
    max: limits.station_max_a});
  panel.graph.draw(now);
}

function renderSite(site, price) {
  const element = document.getElementById('site');
  const parts = [];
  if (site && site.valid) {
    const kw = (w) => (w / 1000).toFixed(2) + ' kW';
    parts.push(['PV', kw(site.pv_w)], ['Consumption', kw(site.consumption_w)],
      ['Grid', kw(site.grid_w)]);
    if (site.battery_soc !== null) {
      parts.push(['Battery', site.battery_soc.toFixed(0) + ' %']);
    }
  }
  if (price && price.now !== null) {
    parts.push(['Price', `${price.now.toFixed(3)} ${price.unit}/kWh`]);
  } else if (price && price.missing) {
    parts.push(['Price', 'missing']);
  }
  element.hidden = parts.length === 0;
  element.textContent = '';
  for (const [label, value] of parts) {
    const span = document.createElement('span');
    span.append(label + ' ');
    const b = document.createElement('b');
    b.textContent = value;
    span.appendChild(b);
    element.appendChild(span);
  }
}

function render(status) {
  for (const charger of status.chargers) {
    renderCharger(charger, status.time);
  }
  renderSite(status.site, status.price);
}

function setDaemonLost(lost) {
  document.getElementById('daemon-lost').hidden = !lost;
  document.body.classList.toggle('daemon-lost', lost);
}

function connectEvents() {
  const source = new EventSource('/api/events');
  source.addEventListener('status', (event) => {
    lastEvent = Date.now();
    setDaemonLost(false);
    render(JSON.parse(event.data));
  });
  source.addEventListener('ping', () => { lastEvent = Date.now(); setDaemonLost(false); });
  source.onerror = () => setDaemonLost(true);  // EventSource reconnects by itself
  setInterval(() => {
    if (lastEvent && Date.now() - lastEvent > STALE_MS) {
      setDaemonLost(true);
    }
  }, 5000);
}

function showPage() {
  const config = window.location.hash === '#config';
  document.getElementById('dashboard').hidden = config;
  document.getElementById('config').hidden = !config;
  document.getElementById('nav-dashboard').classList.toggle('active', !config);
  document.getElementById('nav-config').classList.toggle('active', config);
  if (config) {
    loadConfigPage();
  }
}

async function start() {
  const auth = await api('/api/auth');
  const logout = document.getElementById('logout');
  logout.hidden = !auth.login_required;
  logout.addEventListener('click', () => post('/api/logout', {}).finally(() => window.location.replace('/login')));
  const [status, history] = await Promise.all([api('/api/status'), api('/api/history?minutes=10')]);
  for (const charger of status.chargers) {
    const series = history.chargers[charger.id];
    if (series) {
      panelFor(charger).graph.load(series);
    }
  }
  render(status);
  connectEvents();
  window.addEventListener('hashchange', showPage);
  showPage();
}

start().catch((error) => {
  document.getElementById('chargers').textContent = 'Cannot reach evchargerd: ' + error.message;
  setDaemonLost(true);
});
