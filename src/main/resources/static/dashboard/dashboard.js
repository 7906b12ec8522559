// The budmetrics dashboard: every number comes from POST /observability/analytics, the filter choices from
// GET /observability/ids. The view's state lives in the URL's hash (shareable); the API token in sessionStorage only.
'use strict';

const TOKEN_KEY = 'budmetrics.token';
const METRICS = ['request_count', 'success_request', 'failure_request', 'latency', 'ttft', 'throughput', 'input_token',
  'output_token', 'cache', 'concurrent_requests', 'queuing_time'];
const DIMENSIONS = { model: 'model_id', project: 'project_id', endpoint: 'endpoint_id' };
// the charts: [metric, field, label] per line
const CHARTS = [
  { title: 'Requests', lines: [['request_count', 'count', 'requests'], ['success_request', 'count', 'success'], ['failure_request', 'count', 'failure']] },
  { title: 'Latency (ms)', lines: [['latency', 'avg', 'avg'], ['latency', 'p95', 'p95'], ['latency', 'p99', 'p99']] },
  { title: 'Time to first token (ms)', lines: [['ttft', 'avg', 'avg'], ['ttft', 'p95', 'p95'], ['ttft', 'p99', 'p99']] },
  { title: 'Throughput (tokens/s)', lines: [['throughput', 'avg', 'avg']] },
  { title: 'Tokens', lines: [['input_token', 'count', 'in'], ['output_token', 'count', 'out']] },
  { title: 'Cache hit rate (%)', lines: [['cache', 'hit_rate', 'hit rate']] },
  { title: 'Concurrent requests', lines: [['concurrent_requests', 'avg', 'max same-second']] },
  { title: 'Queuing time (ms)', lines: [['queuing_time', 'avg_time_ms', 'avg']] },
];
// the table's columns: [metric, field, heading]
const COLUMNS = [['request_count', 'count', 'requests'], ['success_request', 'count', 'success'], ['failure_request', 'count', 'failure'],
  ['success_request', 'rate', 'success %'], ['latency', 'avg', 'latency avg'], ['latency', 'p95', 'p95'], ['latency', 'p99', 'p99'],
  ['ttft', 'avg', 'ttft avg'], ['ttft', 'p95', 'p95'], ['ttft', 'p99', 'p99'], ['throughput', 'avg', 'tokens/s'],
  ['input_token', 'count', 'tokens in'], ['output_token', 'count', 'tokens out'], ['cache', 'hit_rate', 'cache hit %'],
  ['concurrent_requests', 'avg', 'concurrent'], ['queuing_time', 'avg_time_ms', 'queuing ms']];
const DELTA_COLUMNS = [['request_count', 'requests'], ['latency', 'latency avg']];
const COLORS = ['#2f6fdf', '#1a9e5a', '#d9534f', '#8e44ad', '#e08e0b', '#16a2b8', '#6c757d', '#b5651d', '#c2185b', '#00897b'];
const PRESETS = { '24h': 1, '7d': 7, '30d': 30, '90d': 90, '365d': 365 };

const $ = (id) => document.getElementById(id);
let plots = [];
let renders = 0;
let idsRange = null;

/** A number as shown: integers as they are, others rounded to 2 decimals; null as an en dash. */
function shown(value) {
  if (value === null || value === undefined) return '–';
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

function readState() {
  const params = new URLSearchParams(location.hash.slice(1));
  return {
    preset: params.get('preset') || (params.get('from') ? 'custom' : '7d'),
    from: params.get('from') || '',
    to: params.get('to') || '',
    unit: params.get('unit') || 'day',
    tz: params.get('tz') || 'UTC',
    group: params.get('group') || '',
    topk: params.get('topk') || '5',
    filterDimension: params.get('fdim') || 'model',
    filterId: params.get('fid') || '',
    delta: params.get('delta') !== '0',
  };
}

function writeState(state) {
  const params = new URLSearchParams();
  params.set('preset', state.preset);
  if (state.preset === 'custom') {
    params.set('from', state.from);
    if (state.to) params.set('to', state.to);
  }
  params.set('unit', state.unit);
  params.set('tz', state.tz);
  // every control, so that render(), which reads the state back from here, keeps what the user set
  params.set('group', state.group);
  params.set('topk', state.topk);
  params.set('fdim', state.filterDimension);
  params.set('fid', state.filterId);
  params.set('delta', state.delta ? '1' : '0');
  history.replaceState(null, '', '#' + params.toString());
}

function stateToControls(state) {
  $('preset').value = state.preset;
  $('from').value = state.from;
  $('to').value = state.to;
  $('unit').value = state.unit;
  $('timezone').value = state.tz;
  $('group').value = state.group;
  $('topk').value = state.topk;
  $('filter-dimension').value = state.filterDimension;
  $('delta').checked = state.delta;
  $('filter-id').dataset.wanted = state.filterId;
}

function controlsToState() {
  return {
    preset: $('preset').value,
    from: $('from').value.trim(),
    to: $('to').value.trim(),
    unit: $('unit').value,
    tz: $('timezone').value.trim() || 'UTC',
    group: $('group').value,
    topk: $('topk').value,
    filterDimension: $('filter-dimension').value,
    filterId: $('filter-id').value,
    delta: $('delta').checked,
  };
}

/** The range of a state: a preset counts back from now; custom is what the user typed. */
function range(state) {
  if (state.preset !== 'custom') {
    const to = new Date();
    const from = new Date(to.getTime() - PRESETS[state.preset] * 86400000);
    return { from: from.toISOString(), to: to.toISOString() };
  }
  return { from: state.from, to: state.to || undefined };
}

/** The analytics request of a state (the same one the download buttons send). */
function analyticsRequest(state) {
  const { from, to } = range(state);
  const request = { metrics: METRICS, from_date: from, frequency_unit: state.unit, return_delta: state.delta, fill_time_gaps: true };
  if (to) request.to_date = to;
  if (state.tz && state.tz !== 'UTC') request.timezone = state.tz;
  if (state.group) request.group_by = [state.group];
  if (state.filterId) request.filters = { [state.filterDimension]: state.filterId };
  else if (state.group && state.topk) request.topk = Number(state.topk);
  return request;
}

function headers(extra) {
  const all = Object.assign({}, extra);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) all['dapr-api-token'] = token;
  return all;
}

class ApiError extends Error {
  constructor(status, body) {
    const fields = body && body.param && body.param.errors ? body.param.errors.map((e) => e.field).join(', ') : '';
    super(body && body.message ? `${status} ${body.type}: ${body.message}` + (fields ? ` (${fields})` : '') : `HTTP ${status}`);
    this.status = status;
  }
}

async function call(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    throw new Error('the service did not answer: ' + e.message);
  }
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch (e) { /* not the envelope */ }
    throw new ApiError(response.status, body);
  }
  return response;
}

function showMessage(text, isError) {
  const box = $('message');
  box.textContent = text;
  box.className = isError ? 'error' : '';
  box.hidden = !text;
}

async function loadIds(state) {
  const { from, to } = range(state);
  const key = state.preset === 'custom' ? from + '|' + (to || '') : state.preset;
  if (idsRange === key) {
    if ($('filter-id').dataset.wanted !== undefined) fillFilterChoices(); // a state from the URL, same range
    return;
  }
  const params = new URLSearchParams({ from_date: from });
  if (to) params.set('to_date', to);
  const ids = await (await call('/observability/ids?' + params, { headers: headers({ Accept: 'application/json' }) })).json();
  idsRange = key;
  $('filter-id').dataset.ids = JSON.stringify({ model: ids.model_ids, project: ids.project_ids, endpoint: ids.endpoint_ids });
  fillFilterChoices();
}

function fillFilterChoices() {
  const select = $('filter-id');
  const all = JSON.parse(select.dataset.ids || '{}');
  const wanted = select.dataset.wanted !== undefined ? select.dataset.wanted : select.value;
  delete select.dataset.wanted;
  select.replaceChildren(new Option('any', ''));
  for (const id of all[$('filter-dimension').value] || []) select.add(new Option(id, id));
  select.value = (all[$('filter-dimension').value] || []).includes(wanted) ? wanted : '';
}

/** Seconds since the epoch of a time_period ("…T00:00:00" in UTC, or with its zone's offset). */
function seconds(period) {
  return Date.parse(/[+-]\d\d:\d\d$/.test(period) ? period : period + 'Z') / 1000;
}

function seriesKey(item, group) {
  return group ? item[DIMENSIONS[group]] : 'all';
}

async function render() {
  const state = readState();
  stateToControls(state);
  document.body.dataset.state = 'loading';
  try {
    await loadIds(state);
    if ($('filter-id').value !== state.filterId) state.filterId = $('filter-id').value;
    const request = analyticsRequest(state);
    const response = await call('/observability/analytics', {
      method: 'POST', headers: headers({ 'Content-Type': 'application/json', Accept: 'application/json' }), body: JSON.stringify(request),
    });
    const answer = await response.json();
    draw(answer, state);
    const empty = answer.items.every((bucket) => bucket.items === null);
    showMessage(empty ? 'No data in this range: pick another range or remove the filter.' : '', false);
    document.body.dataset.state = empty ? 'empty' : 'ready';
  } catch (e) {
    draw({ items: [] }, state);
    if (e.status === 401) {
      showMessage('This service needs its API token: type it above and press "Use token". ' + e.message, true);
      $('token').focus();
    } else {
      showMessage(e.message, true);
    }
    document.body.dataset.state = 'error';
  }
  document.body.dataset.renders = String(++renders);
}

function draw(answer, state) {
  const buckets = answer.items.slice().reverse(); // oldest first for the charts
  const keys = [];
  for (const bucket of buckets) {
    for (const item of bucket.items || []) {
      const key = seriesKey(item, state.group);
      if (!keys.includes(key)) keys.push(key);
    }
  }
  const value = (bucket, key, metric, field) => {
    const item = (bucket.items || []).find((i) => seriesKey(i, state.group) === key);
    return item ? item.data[metric][field] : null;
  };
  plots.forEach((p) => p.destroy());
  plots = [];
  const charts = $('charts');
  charts.replaceChildren();
  const xs = buckets.map((b) => seconds(b.time_period));
  const width = Math.max(420, Math.min(640, charts.clientWidth / 2 - 24));
  for (const chart of CHARTS) {
    const box = document.createElement('div');
    box.className = 'chart';
    box.innerHTML = '<h3></h3>';
    box.firstChild.textContent = chart.title;
    charts.appendChild(box);
    if (!buckets.length || !keys.length) continue;
    const series = [{}];
    const data = [xs];
    let color = 0;
    // grouped: one line per series, of the chart's first value (the table has the others), so the chart stays readable
    const lines = state.group ? chart.lines.slice(0, 1) : chart.lines;
    for (const key of keys) {
      for (const [metric, field, label] of lines) {
        const name = state.group ? key.slice(0, 8) + ' ' + label : label;
        series.push({ label: name, stroke: COLORS[color++ % COLORS.length], width: 1.5, points: { size: 4 } });
        data.push(buckets.map((b) => value(b, key, metric, field)));
      }
    }
    plots.push(new uPlot({
      width, height: 220, series, scales: { x: { time: true } }, axes: [{}, { size: 64 }],
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), state.tz || 'UTC'),
    }, data, box));
  }
  drawCards(answer, keys, state);
  drawTable(answer, state);
}

function drawCards(answer, keys, state) {
  const cards = $('cards');
  cards.replaceChildren();
  const newest = answer.items.find((b) => b.items !== null);
  if (!newest) return;
  const item = newest.items[0];
  for (const [metric, field, title] of [['request_count', 'count', 'requests'], ['failure_request', 'rate', 'failure %'],
    ['latency', 'avg', 'latency avg ms'], ['ttft', 'avg', 'ttft avg ms'], ['cache', 'hit_rate', 'cache hit %']]) {
    const data = item.data[metric];
    const card = document.createElement('div');
    card.className = 'card';
    card.dataset.metric = metric;
    card.innerHTML = '<div class="name"></div><div class="value"></div><div class="delta"></div>';
    card.children[0].textContent = title + ' · ' + newest.time_period + (state.group ? ' · ' + seriesKey(item, state.group).slice(0, 8) : '');
    card.children[1].textContent = shown(data[field]);
    if (state.delta && data.delta !== null && data.delta !== undefined) {
      card.children[2].textContent = (data.delta >= 0 ? '+' : '') + shown(data.delta) + ' (' + (data.delta_percent >= 0 ? '+' : '') + shown(data.delta_percent) + ' %) vs previous';
      card.children[2].className = 'delta ' + (data.delta >= 0 ? 'up' : 'down');
    }
    cards.appendChild(card);
  }
}

function drawTable(answer, state) {
  const head = $('table').tHead;
  const body = $('table').tBodies[0];
  const deltas = state.delta ? DELTA_COLUMNS : [];
  const headings = ['time', 'series'].concat(COLUMNS.map((c) => c[2]), deltas.flatMap(([, name]) => ['Δ ' + name, 'Δ% ' + name]));
  head.replaceChildren(row('th', headings));
  body.replaceChildren();
  for (const bucket of answer.items) {
    for (const item of bucket.items || []) {
      const tr = document.createElement('tr');
      const key = seriesKey(item, state.group);
      tr.dataset.time = bucket.time_period;
      tr.dataset.series = key;
      tr.appendChild(cell(bucket.time_period, 'time'));
      const label = cell(state.group ? key.slice(0, 8) : 'all', 'series');
      label.title = key;
      tr.appendChild(label);
      for (const [metric, field] of COLUMNS) tr.appendChild(cell(shown(item.data[metric][field]), null, metric + '.' + field));
      for (const [metric] of deltas) {
        tr.appendChild(cell(shown(item.data[metric].delta), null, metric + '.delta'));
        tr.appendChild(cell(shown(item.data[metric].delta_percent), null, metric + '.delta_percent'));
      }
      body.appendChild(tr);
    }
  }
}

function row(tag, texts) {
  const tr = document.createElement('tr');
  for (const text of texts) {
    const th = document.createElement(tag);
    th.textContent = text;
    tr.appendChild(th);
  }
  return tr;
}

function cell(text, className, column) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  if (column) td.dataset.column = column;
  return td;
}

async function download(format) {
  const state = controlsToState();
  try {
    const response = await call('/observability/analytics?format=' + format, {
      method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(analyticsRequest(state)),
    });
    const disposition = response.headers.get('Content-Disposition') || '';
    const name = (/filename="([^"]+)"/.exec(disposition) || [null, 'analytics.' + format])[1];
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (e) {
    showMessage('download failed: ' + e.message, true);
  }
}

function apply(event) {
  if (event) event.preventDefault();
  const state = controlsToState();
  if (state.preset === 'custom' && !state.from) {
    showMessage('A custom range needs a from date, e.g. 2024-01-01T00:00:00Z', true);
    return;
  }
  writeState(state);
  render();
}

document.addEventListener('DOMContentLoaded', () => {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  $('zones').replaceChildren(...zones.map((z) => new Option(z)));
  $('token').value = sessionStorage.getItem(TOKEN_KEY) || '';
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
    idsRange = null;
    render();
  });
  $('controls').addEventListener('submit', apply);
  $('preset').addEventListener('change', () => {
    if ($('preset').value === 'custom' && !$('from').value) {
      const r = range(Object.assign(controlsToState(), { preset: '7d' }));
      $('from').value = r.from.slice(0, 19) + 'Z';
      $('to').value = r.to.slice(0, 19) + 'Z';
    }
  });
  for (const id of ['group', 'unit', 'filter-id', 'delta']) $(id).addEventListener('change', () => apply());
  $('filter-dimension').addEventListener('change', () => { fillFilterChoices(); apply(); });
  $('download-csv').addEventListener('click', () => download('csv'));
  $('download-ndjson').addEventListener('click', () => download('ndjson'));
  window.addEventListener('hashchange', render);
  render();
});
