// apimon customer portal: plain ES2020, no build step. Data comes from the BFF (/api/...), live spend via SSE.
'use strict';
const $ = (id) => document.getElementById(id);
const charts = {};
let me = null;

async function api(path, options = {}) {
  // X-Requested-With: JavaScript makes an expired session answer 499 instead of a redirect to the sign-in page
  // (which fetch cannot follow across origins): then the page reloads and the browser signs in again.
  const res = await fetch(path, { headers: { 'Accept': 'application/json', 'Content-Type': 'application/json', 'X-Requested-With': 'JavaScript' },
    credentials: 'same-origin', ...options });
  if (res.status === 401 || res.status === 499) { location.reload(); throw new Error('signed out'); }
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error((body && (body.detail || body.title)) || ('HTTP ' + res.status));
    err.status = res.status; err.body = body; throw err;
  }
  return body;
}

function state(id, text, isError = false) {
  const el = $(id); el.textContent = text || ''; el.classList.toggle('error', isError); el.hidden = !text;
}
function money(amount, currency) { return amount == null ? '—' : `${amount} ${currency || ''}`.trim(); }
function cell(text, cls) { const td = document.createElement('td'); td.textContent = text == null ? '' : text; if (cls) td.className = cls; return td; }
function th(text, cls) { const h = document.createElement('th'); h.scope = 'col'; h.textContent = text; if (cls) h.className = cls; return h; }
function row(...cells) { const tr = document.createElement('tr'); cells.forEach(c => tr.appendChild(c)); return tr; }

// ---- spend (live)
function renderSpend(s) {
  state('spend-state', '');
  $('spend-body').hidden = false;
  $('spend-total').textContent = money(s.total, s.currency);
  $('spend-forecast').textContent = money(s.forecast, s.currency);
  $('spend-credits').textContent = money(s.credits_remaining, s.currency);
  $('spend-period').textContent = `${s.period_start.slice(0, 10)} → ${s.period_end.slice(0, 10)}`;
  $('spend-plan').textContent = s.plan ? `plan ${s.plan.code} v${s.plan.version}` : '';
  const lines = $('spend-lines'); lines.replaceChildren();
  (s.lines || []).forEach(l => lines.appendChild(row(cell(l.description || l.meter || l.type), cell(l.quantity ?? ''), cell(money(l.amount, s.currency), 'num'))));
  const gauges = $('spend-quotas'); gauges.replaceChildren();
  if (!(s.quotas || []).length) { gauges.textContent = 'No quotas on this plan.'; }
  (s.quotas || []).forEach(q => {
    const div = document.createElement('div'); div.className = 'gauge';
    const id = 'gauge-' + q.meter;
    const label = document.createElement('label'); label.htmlFor = id;
    label.innerHTML = `<span></span><span></span>`;
    label.children[0].textContent = q.meter + (q.enforcement === 'hard' ? ' (hard limit)' : ' (soft limit)');
    label.children[1].textContent = `${q.used} of ${q.limit} (${q.percent_used ?? ''}%)`;
    const bar = document.createElement('progress'); bar.id = id; bar.max = q.limit || 1; bar.value = Math.min(Number(q.used), q.limit || 1);
    div.append(label, bar); gauges.appendChild(div);
  });
  $('spend-updated').textContent = 'Updated ' + new Date(s.updated_at || Date.now()).toLocaleTimeString();
}

let spendSource = null;
async function loadSpend() {
  try {
    renderSpend(await api('/api/me/spend'));
  } catch (e) {
    if (e.status === 404) state('spend-state', 'No subscription yet: your spend appears here once you are on a plan.');
    else if (e.status === 403) state('spend-state', 'This sign-in is not bound to a customer.');
    else state('spend-state', 'Spend is unavailable right now: ' + e.message, true);
  }
  if (!spendSource && me && me.customer_id) {
    spendSource = new EventSource('/api/me/spend/stream');
    spendSource.onmessage = (ev) => renderSpend(JSON.parse(ev.data));
    spendSource.onerror = () => {
      // EventSource reconnects by itself after a dropped connection; it gives up (CLOSED) when the answer is not a
      // stream, e.g. once the session expired: then check the session (499 reloads the page) and open a new one.
      if (spendSource.readyState === EventSource.CLOSED) { spendSource = null; setTimeout(loadSpend, 3000); }
    };
  }
}

// ---- usage
async function loadMeters() {
  const sel = $('usage-meter');
  if (sel.options.length) return;
  try {
    const meters = await api('/api/me/meters');
    (meters.data || []).forEach(m => sel.add(new Option(m.slug, m.slug)));
    if (!sel.options.length) state('usage-state', 'No meters are defined yet.');
  } catch (e) { state('usage-state', 'Meters are unavailable: ' + e.message, true); }
}
async function loadUsage(ev) {
  if (ev) ev.preventDefault();
  await loadMeters();
  const meter = $('usage-meter').value; if (!meter) return;
  const p = new URLSearchParams({ meter, window_size: $('usage-window').value });
  const to = $('usage-to').value ? new Date($('usage-to').value) : new Date();
  const from = $('usage-from').value ? new Date($('usage-from').value) : new Date(to.getTime() - 30 * 86400e3);
  p.set('from', from.toISOString()); p.set('to', to.toISOString());
  if ($('usage-group').value) p.set('group_by', $('usage-group').value);
  state('usage-state', 'Loading…');
  try {
    // a grouped series can span several pages: follow next_cursor (bounded, so a huge range cannot hang the page)
    const data = []; let page = {}, pages = 0;
    do {
      if (page.next_cursor) p.set('cursor', page.next_cursor);
      page = await api('/api/me/usage?' + p);
      data.push(...(page.data || []));
    } while (page.next_cursor && ++pages < 20);
    state('usage-state', data.length ? (page.next_cursor ? 'Showing the first ' + data.length + ' rows: narrow the range or the grouping for the rest.' : '') : 'No usage in this range.');
    const series = {};
    data.forEach(d => { const k = d.group && Object.keys(d.group).length ? Object.values(d.group).join(' / ') : meter; (series[k] = series[k] || []).push({ x: d.window_start, y: Number(d.value) }); });
    const labels = [...new Set(data.map(d => d.window_start))].sort();
    if (charts.usage) charts.usage.destroy();
    charts.usage = new Chart($('usage-chart'), { type: 'bar', data: { labels: labels.map(l => l.slice(0, 16).replace('T', ' ')),
      datasets: Object.entries(series).map(([k, pts]) => ({ label: k, data: labels.map(l => (pts.find(pt => pt.x === l) || { y: 0 }).y) })) },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } } });
    const names = Object.keys(series);
    $('usage-table-head').replaceChildren(row(th('Window'), ...names.map(n => th(n, 'num'))));
    const body = $('usage-table-rows'); body.replaceChildren();
    labels.forEach(l => body.appendChild(row(cell(l.slice(0, 16).replace('T', ' ')),
      ...names.map(n => cell((data.find(d => d.window_start === l && (d.group && Object.keys(d.group).length ? Object.values(d.group).join(' / ') : meter) === n) || { value: '0' }).value, 'num')))));
  } catch (e) { state('usage-state', 'Usage is unavailable right now: ' + e.message, true); }
}

// ---- invoices
async function loadInvoices() {
  state('invoices-state', 'Loading…');
  try {
    const list = (await api('/api/me/invoices')).data || [];
    const rows = $('invoices-rows'); rows.replaceChildren();
    state('invoices-state', list.length ? '' : 'No invoices yet.');
    list.forEach(i => {
      const pdf = document.createElement('td'); const a = document.createElement('a'); a.href = `/api/me/invoices/${encodeURIComponent(i.id)}/pdf`; a.textContent = 'PDF'; pdf.appendChild(a);
      rows.appendChild(row(cell(i.number || '(draft)'), cell(`${(i.period_start || '').slice(0, 10)} → ${(i.period_end || '').slice(0, 10)}`), cell(i.status), cell(money(i.total, i.currency), 'num'), pdf));
    });
  } catch (e) { state('invoices-state', 'Invoices are unavailable right now: ' + e.message, true); }
}

// ---- keys
async function loadKeys() {
  state('keys-state', 'Loading…');
  try {
    const list = (await api('/api/me/keys')).data || [];
    const rows = $('keys-rows'); rows.replaceChildren();
    state('keys-state', list.length ? '' : 'No keys yet: create one above.');
    list.forEach(k => {
      const actions = document.createElement('td');
      if (k.status === 'active') {
        const rot = document.createElement('button'); rot.className = 'secondary'; rot.textContent = 'Rotate'; rot.setAttribute('aria-label', 'Rotate key ' + k.name);
        rot.onclick = async () => { try { showKey(await api(`/api/me/keys/${k.id}/rotate`, { method: 'POST', body: JSON.stringify({ grace_period: 'PT24H' }) })); loadKeys(); } catch (e) { state('keys-state', e.message, true); } };
        const rev = document.createElement('button'); rev.className = 'danger'; rev.textContent = 'Revoke'; rev.setAttribute('aria-label', 'Revoke key ' + k.name);
        rev.onclick = async () => { if (!confirm(`Revoke ${k.name}? Calls with it stop within a second.`)) return; try { await api(`/api/me/keys/${k.id}`, { method: 'DELETE' }); loadKeys(); } catch (e) { state('keys-state', e.message, true); } };
        actions.append(rot, ' ', rev);
      }
      rows.appendChild(row(cell(k.name), cell(k.start + '…'), cell(k.env), cell(k.status), cell(k.expires_at ? k.expires_at.slice(0, 16).replace('T', ' ') : 'never'), actions));
    });
  } catch (e) { state('keys-state', 'Keys are unavailable right now: ' + e.message, true); }
}
function showKey(k) { $('key-value').textContent = k.key; $('key-created').hidden = false; $('key-copy').focus(); }
async function createKey(ev) {
  ev.preventDefault();
  try { showKey(await api('/api/me/keys', { method: 'POST', body: JSON.stringify({ name: $('key-name').value, env: $('key-env').value }) })); $('key-form').reset(); loadKeys(); }
  catch (e) { state('keys-state', 'Could not create the key: ' + e.message, true); }
}

// ---- alerts
async function loadAlerts() {
  state('alerts-state', 'Loading…');
  try {
    const t = await api('/api/me/spend-alerts');
    $('alerts-budget').value = t.budget || ''; $('alerts-percentages').value = (t.percentages || []).join(', '); $('alerts-credits').value = t.credits_low_below || '';
  } catch (e) { if (e.status !== 404) state('alerts-state', 'Thresholds are unavailable: ' + e.message, true); }
  try {
    const list = (await api('/api/me/alerts')).data || [];
    const ul = $('alerts-list'); ul.replaceChildren();
    list.forEach(a => { const li = document.createElement('li'); li.textContent = `${(a.at || '').slice(0, 16).replace('T', ' ')} — ${a.kind}${a.meter ? ' ' + a.meter : ''}: ${a.threshold_percent ?? ''}%`; ul.appendChild(li); });
    state('alerts-state', list.length ? '' : 'No alerts this period.');
  } catch (e) { state('alerts-state', 'Alerts are unavailable right now: ' + e.message, true); }
}
async function saveAlerts(ev) {
  ev.preventDefault();
  const body = { budget: $('alerts-budget').value || null, percentages: $('alerts-percentages').value.split(',').map(s => s.trim()).filter(Boolean).map(Number), credits_low_below: $('alerts-credits').value || null };
  try { await api('/api/me/spend-alerts', { method: 'PUT', body: JSON.stringify(body) }); state('alerts-state', 'Saved.'); }
  catch (e) { state('alerts-state', 'Could not save: ' + e.message, true); }
}

// ---- calculator
async function loadCalculator() {
  state('calc-state', 'Pricing your usage on every plan…');
  try {
    const r = await api('/api/me/price-previews');
    const rows = $('calc-rows'); rows.replaceChildren();
    (r.data || []).forEach(p => rows.appendChild(row(cell(`${p.plan_name} (${p.plan_code} v${p.plan_version})`), cell(money(p.preview.subtotal, p.preview.currency), 'num'),
      cell(money(p.preview.minimum_commitment_true_up, p.preview.currency), 'num'), cell(money(p.preview.total, p.preview.currency), 'num'))));
    const period = `${(r.usage_period_start || '').slice(0, 10)} → ${(r.usage_period_end || '').slice(0, 10)}`;
    const usage = Object.entries(r.usage || {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'no usage';
    $('calc-usage').textContent = (r.usage_source === 'last_period' ? `Priced with your usage of your last period (${period}): `
      : `You have no closed period yet: priced with this period's usage so far (${period}): `) + usage;
    state('calc-state', (r.data || []).length ? '' : 'No published plans.');
  } catch (e) { state('calc-state', 'The calculator is unavailable right now: ' + e.message, true); }
}

// ---- provider
async function loadProvider(ev) {
  if (ev) ev.preventDefault();
  state('provider-state', 'Loading…');
  try {
    const r = await api('/api/admin/revenue?segment=' + encodeURIComponent($('provider-segment').value || 'region'));
    const body = $('provider-body'); body.replaceChildren();
    (r.reports || []).forEach(rep => {
      const h = document.createElement('h3'); h.textContent = `${rep.currency}: revenue ${rep.revenue} from ${rep.customers} customers, ARPU ${rep.arpu}`; body.appendChild(h);
      const t = document.createElement('table'); t.className = 'data'; t.innerHTML = '<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Revenue</th></tr></thead>';
      const tb = document.createElement('tbody'); Object.entries(rep.by_segment).forEach(([k, v]) => tb.appendChild(row(cell(k), cell(v, 'num')))); t.appendChild(tb); body.appendChild(t);
      const pt = document.createElement('table'); pt.className = 'data'; pt.innerHTML = '<thead><tr><th scope="col">Plan</th><th scope="col" class="num">Revenue</th></tr></thead>';
      const pb = document.createElement('tbody'); Object.entries(rep.by_plan).forEach(([k, v]) => pb.appendChild(row(cell(k), cell(v, 'num')))); pt.appendChild(pb); body.appendChild(pt);
      const top = document.createElement('p'); top.textContent = 'Top customers: ' + rep.top_customers.map(c => `${c.customer_id} (${c.total})`).join(', '); body.appendChild(top);
      const near = document.createElement('p'); near.textContent = 'Within 10% of a quota: ' + (rep.near_limits.map(n => `${n.customer_id} ${n.meter} ${n.percent}%`).join(', ') || 'none'); body.appendChild(near);
      if (charts.provider) charts.provider.destroy();
      charts.provider = new Chart($('provider-chart'), { type: 'bar', data: { labels: Object.keys(rep.by_plan), datasets: [{ label: 'Revenue by plan (' + rep.currency + ')', data: Object.values(rep.by_plan).map(Number) }] },
        options: { responsive: true, maintainAspectRatio: false } });
    });
    state('provider-state', (r.reports || []).length ? '' : 'No spend this period yet.');
  } catch (e) { state('provider-state', 'Revenue is unavailable right now: ' + e.message, true); }
}
async function simulate(ev) {
  ev.preventDefault();
  $('sim-result').textContent = 'Running…';
  try {
    const r = await api('/api/admin/simulations', { method: 'POST', body: JSON.stringify({ plan: { code: $('sim-code').value, version: Number($('sim-version').value) }, customers: { all: true }, periods: Number($('sim-periods').value) }) });
    $('sim-result').textContent = JSON.stringify(r, null, 2);
  } catch (e) { $('sim-result').textContent = 'Simulation failed: ' + e.message; }
}

// ---- navigation
const loaders = { spend: loadSpend, usage: loadUsage, invoices: loadInvoices, keys: loadKeys, alerts: loadAlerts, calculator: loadCalculator, provider: loadProvider };
function show() {
  const page = (location.hash || '#spend').slice(1);
  document.querySelectorAll('.page').forEach(s => { s.hidden = s.id !== 'page-' + page; });
  document.querySelectorAll('#nav a').forEach(a => { if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current'); });
  (loaders[page] || loadSpend)();
}

async function start() {
  try {
    me = await api('/api/me');
    $('who').textContent = me.username + (me.customer_id ? ` · ${me.customer_id}` : '');
    if ((me.roles || []).includes('platform-admin')) document.querySelector('.admin-only').hidden = false;
    if (!me.customer_id && !location.hash) location.hash = '#provider';
  } catch (e) { $('who').textContent = 'not signed in'; }
  $('usage-form').addEventListener('submit', loadUsage);
  $('key-form').addEventListener('submit', createKey);
  $('key-copy').addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText($('key-value').textContent));
  $('alerts-form').addEventListener('submit', saveAlerts);
  $('provider-form').addEventListener('submit', loadProvider);
  $('sim-form').addEventListener('submit', simulate);
  window.addEventListener('hashchange', show);
  show();
}
document.addEventListener('DOMContentLoaded', start);
