// The configuration page: a form built from GET /api/config/schema (the schema that validates the YAML), filled
// from GET /api/config, saved with PUT /api/config. An error comes back with the key path of the field it is about
// ("devices[0].driver.port") and shows next to that field.
'use strict';

const fieldsByPath = new Map();  // key path -> the element an error attaches to
let configLoaded = false;

function typesOf(schema) {
  return Array.isArray(schema.type) ? schema.type : [schema.type || 'string'];
}

function childPath(path, key) {
  return path ? `${path}.${key}` : key;
}

function fieldRow(label, input, schema, path) {
  const row = document.createElement('div');
  row.className = 'field';
  row.dataset.path = path;
  const name = document.createElement('label');
  name.textContent = label;
  input.id = 'cfg-' + path.replace(/[^a-zA-Z0-9_-]/g, '_');
  input.name = path;
  name.htmlFor = input.id;
  row.append(name, input);
  if (schema.description) {
    const help = document.createElement('div');
    help.className = 'help';
    help.textContent = schema.description;
    row.appendChild(help);
  }
  fieldsByPath.set(path, row);
  return row;
}

// Each render* returns {element, value()}: value() reads the form back, undefined for "not set".
function renderScalar(schema, value, path, label) {
  const types = typesOf(schema);
  let input;
  if (schema.enum) {
    input = document.createElement('select');
    input.appendChild(new Option('', ''));
    for (const choice of schema.enum) {
      input.appendChild(new Option(String(choice), String(choice)));
    }
    input.value = value === undefined || value === null ? '' : String(value);
  } else if (types.includes('boolean') && types.length === 1) {
    input = document.createElement('select');
    input.append(new Option('', ''), new Option('true', 'true'), new Option('false', 'false'));
    input.value = value === undefined || value === null ? '' : String(value);
  } else {
    input = document.createElement('input');
    const numeric = types.every((t) => t === 'number' || t === 'integer');
    input.type = schema['x-secret'] ? 'password' : numeric ? 'number' : 'text';
    if (numeric) {
      input.step = types.includes('integer') ? '1' : 'any';
      if (schema.minimum !== undefined) input.min = schema.minimum;
      if (schema.maximum !== undefined) input.max = schema.maximum;
    }
    if (schema.default !== undefined) input.placeholder = String(schema.default);
    input.value = value === undefined || value === null ? '' : String(value);
  }
  const element = fieldRow(label, input, schema, path);
  return {
    element,
    value() {
      const raw = input.value.trim();
      if (raw === '') return undefined;
      if (schema.enum) {
        const match = schema.enum.find((choice) => String(choice) === raw);
        return match === undefined ? raw : match;
      }
      if (types.includes('boolean') && types.length === 1) return raw === 'true';
      if ((types.includes('number') || types.includes('integer')) && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) {
        return Number(raw);
      }
      return raw;
    },
  };
}

function renderFreeform(schema, value, path, label) {
  // A kind's own section (driver:, endpoint:): its keys depend on the charger, so it is edited as JSON.
  const input = document.createElement('textarea');
  input.value = value === undefined ? '' : JSON.stringify(value, null, 1);
  const element = fieldRow(label + ' (JSON)', input, schema, path);
  return {
    element,
    value() {
      const raw = input.value.trim();
      if (raw === '') return undefined;
      try {
        return JSON.parse(raw);
      } catch (e) {
        throw new FieldError(path, 'not JSON: ' + e.message);
      }
    },
  };
}

function renderList(schema, value, path, label) {
  const items = schema.items || {type: 'string'};
  if (!items.properties) {
    // A list of scalars: one per line.
    const input = document.createElement('textarea');
    input.value = Array.isArray(value) ? value.join('\n') : '';
    const element = fieldRow(label + ' (one per line)', input, schema, path);
    return {
      element,
      value() {
        const lines = input.value.split('\n').map((l) => l.trim()).filter((l) => l);
        return lines.length ? lines : undefined;
      },
    };
  }
  const fieldset = labelledFieldset(path, label);
  const entries = [];
  const add = (entryValue) => {
    const index = entries.length;
    const entry = renderObject(items, entryValue || {}, `${path}[${index}]`, `${label} ${index + 1}`);
    entries.push(entry);
    fieldset.insertBefore(entry.element, addButton);
  };
  const addButton = document.createElement('button');
  addButton.type = 'button';
  addButton.textContent = 'Add';
  addButton.addEventListener('click', () => add({}));
  fieldset.appendChild(addButton);
  (Array.isArray(value) ? value : []).forEach(add);
  return {
    element: fieldset,
    value() {
      const out = entries.map((e) => e.value()).filter((v) => v !== undefined);
      return out.length ? out : undefined;
    },
  };
}

// A section: open when the file has it, folded when it does not (most sections are optional).
function section(label, value, fieldset) {
  const details = document.createElement('details');
  details.open = value !== undefined && value !== null;
  const summary = document.createElement('summary');
  summary.textContent = label;
  details.append(summary, fieldset);
  return details;
}

function renderObject(schema, value, path, label) {
  const fieldset = document.createElement('fieldset');
  fieldset.dataset.path = path;
  fieldsByPath.set(path, fieldset);
  if (schema.description) {
    const help = document.createElement('div');
    help.className = 'help muted';
    help.textContent = schema.description;
    fieldset.appendChild(help);
  }
  const children = [];
  for (const [key, child] of Object.entries(schema.properties || {})) {
    const rendered = renderAny(child, value ? value[key] : undefined, childPath(path, key), key);
    children.push([key, rendered]);
    fieldset.appendChild(rendered.element);
  }
  return {
    element: label ? section(label, value, fieldset) : fieldset,
    value() {
      const out = {};
      for (const [key, rendered] of children) {
        const v = rendered.value();
        if (v !== undefined) out[key] = v;
      }
      return Object.keys(out).length ? out : (value && typeof value === 'object' && !Object.keys(value).length ? {} : undefined);
    },
  };
}

// A section errors can attach to by its key path, under its name.
function labelledFieldset(path, label) {
  const fieldset = document.createElement('fieldset');
  fieldset.dataset.path = path;
  fieldsByPath.set(path, fieldset);
  const legend = document.createElement('legend');
  legend.textContent = label;
  fieldset.appendChild(legend);
  return fieldset;
}

// A map of named entries (devices, circuits): one section per entry, and a new one by its name.
function renderMap(schema, value, path, label) {
  const fieldset = labelledFieldset(path, label);
  const entries = [];
  const addRow = document.createElement('div');
  addRow.className = 'field';
  const name = document.createElement('input');
  name.type = 'text';
  name.placeholder = 'new name';
  name.setAttribute('aria-label', `new ${label} name`);
  const addButton = document.createElement('button');
  addButton.type = 'button';
  addButton.textContent = 'Add';
  addRow.append(name, addButton);
  const add = (key, entryValue) => {
    const entry = renderAny(schema.additionalProperties, entryValue, childPath(path, key), key);
    entries.push([key, entry]);
    fieldset.insertBefore(entry.element, addRow);
  };
  addButton.addEventListener('click', () => {
    const key = name.value.trim();
    if (key && !entries.some(([k]) => k === key)) add(key, {});
    name.value = '';
  });
  fieldset.appendChild(addRow);
  for (const [key, entryValue] of Object.entries(value || {})) add(key, entryValue);
  return {
    element: fieldset,
    value() {
      const out = {};
      for (const [key, entry] of entries) {
        const v = entry.value();
        if (v !== undefined) out[key] = v;
      }
      return Object.keys(out).length ? out : undefined;
    },
  };
}

function renderAny(schema, value, path, label) {
  if (schema['x-kind-specific']) return renderFreeform(schema, value, path, label);
  const types = typesOf(schema);
  if (types.includes('object') && schema.properties) return renderObject(schema, value, path, label);
  if (types.includes('object') && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    return renderMap(schema, value, path, label);
  }
  if (types.includes('object')) return renderFreeform(schema, value, path, label);
  if (types.includes('array')) return renderList(schema, value, path, label);
  return renderScalar(schema, value, path, label);
}

class FieldError extends Error {
  constructor(path, message) {
    super(message);
    this.path = path;
  }
}

function clearErrors() {
  document.querySelectorAll('#config-form .field-error').forEach((e) => e.remove());
  document.querySelectorAll('#config-form .invalid').forEach((e) => e.classList.remove('invalid'));
}

function showError(path, message) {
  // The field itself, else the nearest enclosing section that exists (an unknown key names its parent).
  let target = path;
  while (target && !fieldsByPath.has(target)) {
    target = target.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (!/[.[]/.test(target) && !fieldsByPath.has(target)) break;
  }
  const element = fieldsByPath.get(target) || document.getElementById('config-form');
  element.classList.add('invalid');
  const note = document.createElement('div');
  note.className = 'field-error';
  note.textContent = message;
  element.appendChild(note);
  for (let folded = element.closest('details'); folded; folded = folded.parentElement.closest('details')) {
    folded.open = true;
  }
  element.scrollIntoView({block: 'center'});
}

function setMessage(text, good) {
  const message = document.getElementById('config-message');
  message.textContent = text;
  message.className = 'message ' + (good ? 'good' : 'bad');
}

let form = null;

async function loadConfigForm() {
  const [schema, current] = await Promise.all([api('/api/config/schema'), api('/api/config')]);
  fieldsByPath.clear();
  const element = document.getElementById('config-form');
  element.textContent = '';
  form = renderObject(schema, current.config, '', '');
  element.appendChild(form.element);
  setMessage(current.file, true);
  configLoaded = true;
}

async function saveConfig() {
  clearErrors();
  let config;
  try {
    config = form.value() || {};
  } catch (error) {
    showError(error.path, error.message);
    setMessage('Not saved: ' + error.message, false);
    return;
  }
  const response = await fetch('/api/config', {
    method: 'PUT',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({config}),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    setMessage('Not saved: ' + (body.where || body.error || 'HTTP ' + response.status), false);
    if (body.path !== undefined) showError(body.path, body.error);
    return;
  }
  setMessage(body.message, true);
}

document.getElementById('config-save').addEventListener('click', () => saveConfig().catch((e) => setMessage(e.message, false)));
document.getElementById('config-reload').addEventListener('click', () => loadConfigForm().catch((e) => setMessage(e.message, false)));
// app.js opens the page with this (a global of its own name: a function declaration would be replaced by it).
window.loadConfigPage = () => loadConfigForm().catch((e) => setMessage('Cannot load the configuration: ' + e.message, false));
