/* lean-gym report: the theorem list and the per-theorem views (statement, proof, search tree).
 *
 * The data sits in JSON elements written by agents/report/page.py: "lg-index" (the list) and
 * "lg-d-N" (theorem N, parsed only when it is opened). Every string from a dataset, a model or
 * Lean reaches the DOM through textContent or setAttribute, never innerHTML.
 *
 * The view state lives in the URL hash, so a view can be linked and reloaded:
 *   #t=NAME  the theorem      a=K      its attempt (every pane)      node=C:ID  a node to reveal
 *   open=path|all|D  how the trees open (default: the first levels)
 *   q=TEXT  status=solved|failed|not started|differs  reason=R  sort=KEY  dir=asc|desc
 *   scroll=list|theorem  scroll there once the page is drawn (for screenshots)
 *
 * Trees render lazily: a node's children are built when it is first opened, CHUNK at a time,
 * and opening to a depth or "open all" stops at a node budget, so trees of thousands of nodes
 * stay responsive.
 */
(function () {
  'use strict';

  const FIELDS = ['id', 'parent', 'tactic', 'state', 'num_goals', 'error_kind', 'error_message',
    'expanded', 'segment', 'on_proof_path', 'depth', 'hidden_children', 'descendants', 'steps'];
  const [ID, PARENT, TACTIC, STATE, GOALS, EKIND, EMSG, EXPANDED, SEGMENT, ONPATH, DEPTH, HIDDEN, BELOW, STEPS] =
    FIELDS.map((_, i) => i);
  const CHUNK = 50;            // children built per "show more"
  const INITIAL_BUDGET = 400;  // nodes built when a tree first opens to its default depth
  const OPEN_ALL_BUDGET = 3000;
  const ORDER_CHUNK = 200;     // rows of the expansion-order list built at a time
  const STATUS_RANK = { 'solved': 0, 'failed': 1, 'not started': 2 };

  function h(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = String(v);
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function readJSON(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined) return '–';
    if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(digits === undefined ? 2 : digits);
    return String(v);
  }

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  const INDEX = readJSON('lg-index');
  const listRoot = document.getElementById('lg-list');
  const detailRoot = document.getElementById('lg-detail');
  if (!INDEX || FIELDS.join() !== INDEX.node_fields.join()) {
    listRoot.textContent = 'This report\'s data does not match its script (node fields differ).';
    return;
  }
  const COLUMNS = INDEX.columns;
  const MULTI = COLUMNS.length > 1;
  const THEOREMS = INDEX.theorems;
  const details = new Map();
  function detailOf(pos) {
    if (!details.has(pos)) details.set(pos, readJSON('lg-d-' + pos));
    return details.get(pos);
  }
  const byName = new Map(THEOREMS.map((t, i) => [t.name, i]));

  // ------------------------------------------------------------------------------ view state

  const view = { q: '', status: 'all', reason: 'all', sort: 'index', dir: 'asc',
    t: null, a: null, open: null, node: null, scroll: null };

  function readHash() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    view.q = p.get('q') || '';
    view.status = p.get('status') || 'all';
    view.reason = p.get('reason') || 'all';
    view.sort = p.get('sort') || 'index';
    view.dir = p.get('dir') === 'desc' ? 'desc' : 'asc';
    const name = p.get('t');
    view.t = name !== null && byName.has(name) ? byName.get(name) : null;
    view.a = p.has('a') ? Number(p.get('a')) : null;
    view.open = p.get('open');
    view.node = p.get('node');
    view.scroll = p.get('scroll');
  }

  function writeHash() {
    const p = new URLSearchParams();
    if (view.t !== null) p.set('t', THEOREMS[view.t].name);
    if (view.a !== null) p.set('a', String(view.a));
    if (view.node) p.set('node', view.node);
    if (view.open) p.set('open', view.open);
    if (view.q) p.set('q', view.q);
    if (view.status !== 'all') p.set('status', view.status);
    if (view.reason !== 'all') p.set('reason', view.reason);
    if (view.sort !== 'index') p.set('sort', view.sort);
    if (view.dir !== 'asc') p.set('dir', view.dir);
    const hash = p.toString();
    try {
      history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
    } catch (e) { /* some browsers refuse replaceState on file: URLs; the view still works */ }
  }

  // ------------------------------------------------------------------------------ the list

  function cellStatusText(cell) {
    if (!cell) return '–';
    if (cell.status === 'failed') return 'failed' + (cell.reasons.length ? ': ' + cell.reasons.join(', ') : '');
    return cell.status;
  }

  function statusBadge(cell) {
    if (!cell) return h('span', { class: 'muted', text: '–', title: 'not in this run' });
    const cls = 'badge st-' + cell.status.replace(' ', '-');
    const kids = [h('span', { class: cls, text: cell.status })];
    if (cell.status === 'failed' && cell.reasons.length) kids.push(' ', h('span', { class: 'reason', text: cell.reasons.join(', ') }));
    if (cell.attempts > 1) kids.push(' ', h('span', { class: 'muted', text: cell.solved_attempts + '/' + cell.attempts, title: 'solving attempts / attempts' }));
    return h('span', null, kids);
  }

  const LIST_COLUMNS = [
    { key: 'index', label: '#', num: true, get: (t) => t.index, render: (t) => fmt(t.index) },
    { key: 'name', label: 'theorem', get: (t) => t.name,
      render: (t) => h('a', { href: '#t=' + encodeURIComponent(t.name), class: 'tname', text: t.name }) },
  ];
  COLUMNS.forEach((col, ci) => {
    const pre = MULTI ? col.key + ' ' : '';
    const cellOf = (t) => t.cells[ci];
    const numCol = (field, label, digits) => ({
      key: ci + ':' + field, label: label, title: pre + label, num: true, group: ci,
      get: (t) => (cellOf(t) ? cellOf(t)[field] : null),
      render: (t) => fmt(cellOf(t) ? cellOf(t)[field] : null, digits),
    });
    LIST_COLUMNS.push({ key: ci + ':status', label: 'status', title: pre + 'status', group: ci,
      get: (t) => { const c = cellOf(t); return c ? STATUS_RANK[c.status] * 1000 + (c.reasons[0] || '').length : 9999; },
      sortText: (t) => cellStatusText(cellOf(t)), render: (t) => statusBadge(cellOf(t)) });
    if (!MULTI) LIST_COLUMNS.push(numCol('expansions', 'expansions'));
    LIST_COLUMNS.push(numCol('lean_calls', 'Lean calls'));
    if (!MULTI) LIST_COLUMNS.push(numCol('policy_calls', 'policy calls'));
    LIST_COLUMNS.push(numCol('time', 'time (s)', 2));
    if (!MULTI) LIST_COLUMNS.push(numCol('nodes', 'tree nodes'));
  });

  const rowEls = [];
  let tbody, countEl, filterInput, statusSelect, reasonSelect;
  const headEls = new Map();

  function buildList() {
    listRoot.textContent = '';
    const reasons = new Set();
    for (const t of THEOREMS) for (const c of t.cells) if (c) c.reasons.forEach((r) => reasons.add(r));
    filterInput = h('input', { type: 'search', id: 'lg-filter', placeholder: 'filter by name', 'aria-label': 'filter theorems by name' });
    filterInput.addEventListener('input', () => { view.q = filterInput.value; writeHash(); applyFilter(); });
    const statuses = ['all', 'solved', 'failed', 'not started'].concat(MULTI ? ['differs'] : []);
    statusSelect = h('select', { id: 'lg-status', 'aria-label': 'status' },
      statuses.map((s) => h('option', { value: s, text: s === 'all' ? 'any status' : s === 'differs' ? 'status differs' : s })));
    statusSelect.addEventListener('change', () => { view.status = statusSelect.value; writeHash(); applyFilter(); });
    reasonSelect = h('select', { id: 'lg-reason', 'aria-label': 'failure reason' },
      h('option', { value: 'all', text: 'any reason' }),
      Array.from(reasons).sort().map((r) => h('option', { value: r, text: r })));
    reasonSelect.addEventListener('change', () => { view.reason = reasonSelect.value; writeHash(); applyFilter(); });
    countEl = h('span', { id: 'lg-count', class: 'muted' });
    const controls = h('div', { class: 'controls' }, filterInput, statusSelect, reasonSelect, countEl,
      h('span', { class: 'muted hint', text: 'j / k: next / previous theorem' }));

    const headRow = h('tr');
    if (MULTI) {
      const groupRow = h('tr', { class: 'groups' }, h('th', { colspan: 2 }));
      COLUMNS.forEach((col, ci) => {
        const span = LIST_COLUMNS.filter((c) => c.group === ci).length;
        groupRow.append(h('th', { colspan: span, class: 'group', text: col.key }));
      });
      headRow.dataset.groups = '1';
      headEls.set('_groups', groupRow);
    }
    for (const col of LIST_COLUMNS) {
      const button = h('button', { type: 'button', class: 'sort', 'data-key': col.key, text: col.label, title: 'sort by ' + (col.title || col.label) });
      button.addEventListener('click', () => {
        if (view.sort === col.key) view.dir = view.dir === 'asc' ? 'desc' : 'asc';
        else { view.sort = col.key; view.dir = 'asc'; }
        writeHash(); applySort();
      });
      const th = h('th', { scope: 'col', class: col.num ? 'num' : null, 'aria-sort': 'none' }, button);
      headEls.set(col.key, th);
      headRow.append(th);
    }
    tbody = h('tbody');
    THEOREMS.forEach((t, pos) => {
      const tr = h('tr', { 'data-pos': pos, 'data-name': t.name, tabindex: 0 });
      for (const col of LIST_COLUMNS) tr.append(h('td', { class: col.num ? 'num' : null }, col.render(t)));
      tr.addEventListener('click', (ev) => { ev.preventDefault(); select(pos); });
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') select(pos); });
      rowEls.push(tr);
      tbody.append(tr);
    });
    const thead = h('thead', null, headEls.get('_groups') || null, headRow);
    const table = h('table', { id: 'lg-table', class: 'theorems' }, thead, tbody);
    listRoot.append(controls, h('div', { class: 'tablewrap' }, table));
  }

  function matches(t) {
    if (view.q && !t.name.toLowerCase().includes(view.q.toLowerCase())) return false;
    const cells = t.cells.filter((c) => c);
    if (view.status === 'differs') {
      if (new Set(t.cells.map((c) => (c ? c.status : '-'))).size < 2) return false;
    } else if (view.status !== 'all' && !cells.some((c) => c.status === view.status)) return false;
    if (view.reason !== 'all' && !cells.some((c) => c.reasons.includes(view.reason))) return false;
    return true;
  }

  function applyFilter() {
    let shown = 0;
    THEOREMS.forEach((t, pos) => {
      const ok = matches(t);
      rowEls[pos].hidden = !ok;
      shown += ok;
    });
    countEl.textContent = shown + ' of ' + plural(THEOREMS.length, 'theorem');
  }

  function applySort() {
    const col = LIST_COLUMNS.find((c) => c.key === view.sort) || LIST_COLUMNS[0];
    const sign = view.dir === 'desc' ? -1 : 1;
    const order = THEOREMS.map((_, i) => i);
    order.sort((x, y) => {
      const a = col.get(THEOREMS[x]);
      const b = col.get(THEOREMS[y]);
      if (a === null || a === undefined) return b === null || b === undefined ? x - y : 1;
      if (b === null || b === undefined) return -1;
      let d = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
      if (d === 0 && col.sortText) d = col.sortText(THEOREMS[x]).localeCompare(col.sortText(THEOREMS[y]));
      return d === 0 ? x - y : sign * d;
    });
    for (const pos of order) tbody.append(rowEls[pos]);
    for (const [key, th] of headEls) {
      if (key === '_groups') continue;
      th.setAttribute('aria-sort', key === col.key ? (view.dir === 'asc' ? 'ascending' : 'descending') : 'none');
    }
  }

  function visibleOrder() {
    return Array.from(tbody.children).filter((tr) => !tr.hidden).map((tr) => Number(tr.dataset.pos));
  }

  function select(pos) {
    view.t = pos; view.a = null; view.node = null;
    writeHash();
    renderDetail();
  }

  function markSelected() {
    rowEls.forEach((tr, pos) => tr.classList.toggle('selected', pos === view.t));
  }

  // ------------------------------------------------------------------------------ a theorem

  function renderDetail() {
    markSelected();
    detailRoot.textContent = '';
    if (view.t === null) {
      detailRoot.append(h('p', { class: 'muted', text: THEOREMS.length ? 'Select a theorem.' : 'This run has no results yet.' }));
      return;
    }
    const t = THEOREMS[view.t];
    const d = detailOf(view.t);
    const article = h('article', { class: 'thm', 'data-name': t.name },
      h('h2', null, h('span', { class: 'tname', text: t.name }), ' ', h('span', { class: 'muted', text: t.index === null ? '' : '#' + t.index })),
      h('pre', { class: 'lean decl', text: d.declaration }));
    if (d.header) article.append(h('details', { class: 'header' }, h('summary', { text: 'header' }), h('pre', { class: 'lean', text: d.header })));
    const panes = h('div', { class: 'panes', style: null });
    panes.dataset.count = String(COLUMNS.length);
    d.columns.forEach((col, ci) => panes.append(renderPane(col, ci)));
    article.append(panes);
    detailRoot.append(article);
    if (view.node) {
      const [ci, id] = view.node.split(':').map(Number);
      const tv = treeViews[ci];
      if (tv) tv.revealId(id, true);
    }
  }

  const treeViews = [];

  function renderPane(col, ci) {
    const meta = COLUMNS[ci];
    const title = [meta.granularity || meta.key, meta.search, meta.policy].filter((x) => x).join(' · ');
    const pane = h('section', { class: 'pane', 'data-column': meta.key }, h('h3', { text: MULTI ? meta.key : title, title: title }));
    if (MULTI) pane.append(h('p', { class: 'muted small', text: [meta.search, meta.policy].filter((x) => x).join(' · ') }));
    treeViews[ci] = null;
    if (!col) {
      pane.append(h('p', { class: 'muted', text: 'Not in this run.' }));
      return pane;
    }
    const attempts = col.attempts;
    let current = attempts.findIndex((a) => a.attempt === view.a);
    if (current < 0) current = Math.max(0, attempts.findIndex((a) => a.solved));
    const body = h('div', { class: 'attempt-body' });
    if (attempts.length > 1) {
      const tabs = h('div', { class: 'tabs', role: 'tablist' });
      attempts.forEach((a, k) => {
        const b = h('button', { type: 'button', role: 'tab', class: 'tab st-' + a.status.replace(' ', '-'),
          'aria-selected': k === current ? 'true' : 'false', text: 'attempt ' + a.attempt + (a.solved ? ' ✓' : '') });
        b.addEventListener('click', () => {
          Array.from(tabs.children).forEach((x) => x.setAttribute('aria-selected', x === b ? 'true' : 'false'));
          body.textContent = '';
          body.append(renderAttempt(a, ci));
        });
        tabs.append(b);
      });
      pane.append(tabs);
    }
    body.append(renderAttempt(attempts[current], ci));
    pane.append(body);
    return pane;
  }

  function statusLine(a) {
    if (a.solved) return h('p', { class: 'status st-solved' }, h('span', { class: 'badge st-solved', text: 'solved' }));
    if (!a.started) {
      return h('div', null, h('p', { class: 'status st-not-started' }, h('span', { class: 'badge st-not-started', text: 'could not start' })),
        a.start_error ? h('pre', { class: 'msg', text: a.start_error }) : null);
    }
    return h('p', { class: 'status st-failed' }, h('span', { class: 'badge st-failed', text: 'failed' }), ' ', h('span', { class: 'reason', text: a.reason || 'no reason recorded' }));
  }

  function statsList(a) {
    const s = a.stats;
    const t = a.time || {};
    const items = [['expansions', s.expansions], ['Lean calls', s.lean_calls], ['policy calls', s.policy_calls],
      ['unique states', s.unique_states], ['tokens', s.tokens]];
    const times = ['policy', 'lean', 'search', 'total'].filter((k) => t[k] !== undefined && t[k] !== null)
      .map((k) => k + ' ' + fmt(t[k]) + ' s').join(' · ');
    return h('dl', { class: 'stats' },
      items.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => h('div', null, h('dt', { text: k }), h('dd', { text: fmt(v) }))),
      times ? h('div', { class: 'wide' }, h('dt', { text: 'time' }), h('dd', { text: times })) : null);
  }

  function verificationBlock(v) {
    if (!v || v.ok) return null;
    const box = h('div', { class: 'verification' }, h('p', null, h('strong', { text: 'verification rejected the proof: ' }), h('span', { class: 'reason', text: v.reason || '' })));
    if (v.detail) box.append(h('pre', { class: 'msg', text: v.detail }));
    for (const m of v.messages) {
      let textOf = typeof m === 'string' ? m : (m && (m.data || m.text || m.message)) || JSON.stringify(m);
      const pos = m && m.pos ? ' (line ' + m.pos.line + ', column ' + m.pos.column + ')' : '';
      const sev = m && m.severity ? m.severity + pos + ': ' : pos ? pos.trim() + ': ' : '';
      box.append(h('pre', { class: 'msg', text: sev + textOf }));
    }
    return box;
  }

  function proofBlock(a) {
    if (!a.proof) return h('p', { class: 'muted', text: a.started ? 'No proof found.' : '' });
    const unit = a.granularity === 'segment' ? 'segment' : a.granularity === 'proof' ? 'proof' : 'tactic';
    if (!a.blocks) {
      return h('div', null, h('pre', { class: 'lean proof-text', text: a.proof }),
        h('p', { class: 'muted small', text: 'The tree is not in the report, so the segments are not marked.' }));
    }
    const list = h('ol', { class: 'proof', 'data-unit': unit });
    a.blocks.forEach((block, k) => {
      const label = unit === 'proof' ? 'whole proof' : unit + ' ' + (k + 1);
      list.append(h('li', { class: 'block' }, h('span', { class: 'bl', text: label + (block.length > 1 ? ' · ' + plural(block.length, 'tactic') : '') }),
        h('pre', { class: 'lean', text: block.join('\n') })));
    });
    return list;
  }

  function renderAttempt(a, ci) {
    const box = h('div', { class: 'attempt', 'data-attempt': a.attempt },
      statusLine(a), statsList(a), verificationBlock(a.verification),
      h('h4', { text: 'Proof' }), proofBlock(a), h('h4', { text: 'Search tree' }));
    if (a.tree) {
      const tv = new TreeView(a.tree, ci);
      treeViews[ci] = tv;
      box.append(tv.element);
      tv.start(view.open);
    } else {
      treeViews[ci] = null;
      box.append(h('p', { class: a.tree_error ? 'msg-inline' : 'muted', text: a.tree_error || 'No tree was kept for this attempt.' }));
    }
    return box;
  }

  // ------------------------------------------------------------------------------ a tree

  function TreeView(tree, ci) {
    const rows = tree.nodes;
    const n = rows.length;
    this.rows = rows;
    this.ci = ci;
    this.kids = Array.from({ length: n }, () => []);
    for (let i = 1; i < n; i++) this.kids[rows[i][PARENT]].push(i);
    this.posOfId = new Map(rows.map((r, i) => [r[ID], i]));
    this.els = new Array(n);
    this.kidEls = new Array(n);
    this.shownKids = new Int32Array(n);
    this.open = new Uint8Array(n);
    this.rendered = 0;
    this.hasOrder = rows.some((r) => r[EXPANDED] !== null);
    const stats = [plural(tree.total, 'node') + (tree.drawn < tree.total ? ' (' + tree.drawn + ' drawn, segment chains as one edge)' : '')];
    if (tree.shown < tree.drawn) stats.push(tree.shown + ' in this report (the rest left out, --max-tree-nodes)');
    if (this.hasOrder) stats.push(tree.expanded + ' expanded');
    stats.push(plural(tree.failed, 'failed edge'), tree.solved + ' solved', 'depth ≤ ' + tree.max_depth);
    const self = this;
    const btn = (label, fn, title) => h('button', { type: 'button', class: 'tool', text: label, title: title || null, onclick: fn });
    this.canvas = h('div', { class: 'tree', role: 'tree' });
    const hide = h('input', { type: 'checkbox', class: 'hide-failed' });
    hide.addEventListener('change', () => self.canvas.classList.toggle('no-failed', hide.checked));
    this.orderBox = h('div', { class: 'order', hidden: true });
    const tools = h('div', { class: 'tools' },
      btn('open proof path', () => self.openPath(), 'open every node on a path to a solved state'),
      btn('open all', () => self.openAll(), 'open nodes breadth-first, up to ' + OPEN_ALL_BUDGET),
      btn('collapse', () => self.collapseAll()),
      this.hasOrder ? btn('expansion order', () => self.toggleOrder(), 'the nodes in the order the search expanded them') : null,
      h('label', { class: 'tool' }, hide, ' hide failed edges'));
    this.counter = h('span', { class: 'muted small rendered' });
    this.element = h('div', { class: 'treebox' }, h('p', { class: 'muted small', text: stats.join(' · ') }), tools, this.orderBox, this.canvas, this.counter);
  }

  TreeView.prototype.start = function (open) {
    this.canvas.append(this.node(0));
    if (open === 'all') this.openAll();
    else if (open === 'path') { this.openDepth(INDEX.open_depth); this.openPath(); }
    else this.openDepth(open !== null && /^\d+$/.test(open) ? Number(open) : INDEX.open_depth);
    this.count();
  };

  TreeView.prototype.count = function () {
    this.canvas.dataset.rendered = String(this.rendered);
    this.counter.textContent = this.rendered + ' of ' + this.rows.length + ' nodes drawn';
  };

  TreeView.prototype.edge = function (r) {
    if (r[PARENT] === null) return h('span', { class: 'edge root', text: 'initial state' });
    if (r[SEGMENT] && r[SEGMENT].length > 1) {
      return h('span', { class: 'edge segment', title: 'a segment of ' + r[SEGMENT].length + ' tactics' },
        r[SEGMENT].map((tac) => h('code', { class: 'tac', text: tac })));
    }
    return h('span', { class: 'edge' }, h('code', { class: 'tac', text: r[TACTIC] }));
  };

  TreeView.prototype.node = function (i) {
    const r = this.rows[i];
    const failed = r[EKIND] !== null;
    const solved = !failed && r[GOALS] === 0;
    const nk = this.kids[i].length + r[HIDDEN];
    const cls = ['node', r[ONPATH] ? 'onpath' : '', failed ? 'failed' : '', solved ? 'solved' : '',
      this.hasOrder && !failed && !solved && r[EXPANDED] === null ? 'unexpanded' : ''].filter((x) => x).join(' ');
    const el = h('div', { class: cls, role: 'treeitem', 'data-node': r[ID], 'data-depth': r[DEPTH] });
    const line = h('div', { class: 'line' });
    if (nk) {
      const tog = h('button', { type: 'button', class: 'tog', 'aria-expanded': 'false', title: plural(nk, 'child'), text: '▸' });
      tog.addEventListener('click', () => { this.toggle(i); this.count(); });
      line.append(tog);
    } else line.append(h('span', { class: 'tog leaf', text: failed ? '✗' : solved ? '✓' : '·' }));
    line.append(this.edge(r));
    const badges = h('span', { class: 'badges' });
    if (r[EXPANDED] !== null) badges.append(h('span', { class: 'b order-b', text: '#' + r[EXPANDED], title: 'expanded as number ' + r[EXPANDED] }));
    if (failed) badges.append(h('span', { class: 'b err-b', text: r[EKIND] }));
    else badges.append(h('span', { class: 'b goals-b', text: solved ? 'no goals' : plural(r[GOALS], 'goal') }));
    if (nk) badges.append(h('span', { class: 'b', text: plural(r[BELOW], 'node') + ' below', title: plural(nk, 'child') }));
    if (this.hasOrder && el.classList.contains('unexpanded')) badges.append(h('span', { class: 'b muted', text: 'not expanded' }));
    badges.append(h('span', { class: 'b muted', text: 'node ' + r[ID] }));
    line.append(badges);
    el.append(line);
    if (r[STEPS]) el.append(this.steps(r));
    if (failed) {
      const msg = h('pre', { class: 'msg', text: r[EMSG], title: 'click to show or fold the whole message' });
      msg.addEventListener('click', () => msg.classList.toggle('full'));
      el.append(msg);
    }
    else if (!solved) el.append(h('pre', { class: 'goals', text: r[STATE] }));
    this.els[i] = el;
    this.rendered += 1;
    return el;
  };

  // The intermediate states of a segment edge recorded one node per tactic (built when opened).
  TreeView.prototype.steps = function (r) {
    const box = h('details', { class: 'steps' }, h('summary', { text: plural(r[STEPS].length, 'intermediate state') }));
    box.addEventListener('toggle', () => {
      if (!box.open || box.childElementCount > 1) return;
      for (const [id, tactic, state] of r[STEPS]) {
        box.append(h('div', { class: 'step' }, h('code', { class: 'tac', text: tactic }), h('span', { class: 'b muted', text: 'node ' + id }),
          h('pre', { class: 'goals', text: state })));
      }
    });
    return box;
  };

  TreeView.prototype.more = function (i, count) {
    const box = this.kidEls[i];
    const kids = this.kids[i];
    const old = box.querySelector(':scope > .more');
    if (old) old.remove();
    const end = Math.min(kids.length, this.shownKids[i] + count);
    for (let k = this.shownKids[i]; k < end; k++) box.append(this.node(kids[k]));
    this.shownKids[i] = end;
    const left = kids.length - end;
    const hidden = this.rows[i][HIDDEN];
    if (left > 0 || hidden > 0) {
      const more = h('div', { class: 'more' });
      if (left > 0) {
        more.append(h('button', { type: 'button', class: 'tool', text: 'show ' + Math.min(CHUNK, left) + ' more of ' + left,
          onclick: () => { this.more(i, CHUNK); this.count(); } }));
      }
      if (hidden > 0) more.append(h('span', { class: 'muted small', text: ' ' + plural(hidden, 'child') + ' left out of this report (--max-tree-nodes)' }));
      box.append(more);
    }
  };

  TreeView.prototype.expand = function (i) {
    if (!this.kids[i].length && !this.rows[i][HIDDEN]) return;
    if (!this.kidEls[i]) {
      this.kidEls[i] = h('div', { class: 'kids', role: 'group' });
      this.els[i].append(this.kidEls[i]);
      this.more(i, CHUNK);
    }
    this.kidEls[i].hidden = false;
    this.open[i] = 1;
    const tog = this.els[i].querySelector(':scope > .line > .tog');
    tog.textContent = '▾';
    tog.setAttribute('aria-expanded', 'true');
  };

  TreeView.prototype.collapse = function (i) {
    if (!this.kidEls[i]) return;
    this.kidEls[i].hidden = true;
    this.open[i] = 0;
    const tog = this.els[i].querySelector(':scope > .line > .tog');
    tog.textContent = '▸';
    tog.setAttribute('aria-expanded', 'false');
  };

  TreeView.prototype.toggle = function (i) { if (this.open[i]) this.collapse(i); else this.expand(i); };

  TreeView.prototype.openDepth = function (depth) {
    this.breadthFirst((i) => this.rows[i][DEPTH] < depth, INITIAL_BUDGET);
  };

  TreeView.prototype.openAll = function () {
    this.breadthFirst(() => true, OPEN_ALL_BUDGET);
    this.count();
  };

  // Opens the drawn nodes breadth-first while `want(i)` holds and fewer than `budget` are drawn.
  TreeView.prototype.breadthFirst = function (want, budget) {
    const queue = [0];
    for (let q = 0; q < queue.length; q++) {
      const i = queue[q];
      if (!want(i) || (!this.open[i] && this.rendered + Math.min(CHUNK, this.kids[i].length) > budget)) continue;
      this.expand(i);
      for (let k = 0; k < this.shownKids[i]; k++) queue.push(this.kids[i][k]);
    }
  };

  TreeView.prototype.collapseAll = function () {
    for (let i = 0; i < this.rows.length; i++) if (this.open[i]) this.collapse(i);
  };

  // Draws node i (opening its ancestors and drawing siblings up to it).
  TreeView.prototype.reveal = function (i) {
    const path = [];
    for (let j = i; j !== null; j = this.rows[j][PARENT]) path.push(j);
    path.reverse();
    for (let k = 0; k + 1 < path.length; k++) {
      const p = path[k];
      this.expand(p);
      const at = this.kids[p].indexOf(path[k + 1]);
      if (at >= this.shownKids[p]) this.more(p, at + 1 - this.shownKids[p]);
    }
    return this.els[i];
  };

  TreeView.prototype.openPath = function () {
    for (let i = 0; i < this.rows.length; i++) {
      if (this.rows[i][ONPATH]) { this.reveal(i); if (this.kids[i].some((k) => this.rows[k][ONPATH])) this.expand(i); }
    }
    this.count();
  };

  TreeView.prototype.revealId = function (id, scroll) {
    const i = this.posOfId.get(id);
    if (i === undefined) return;
    const el = this.reveal(i);
    this.count();
    document.querySelectorAll('.node.flash').forEach((x) => x.classList.remove('flash'));
    el.classList.add('flash');
    if (scroll && el.scrollIntoView) el.scrollIntoView({ block: 'center' });
  };

  TreeView.prototype.toggleOrder = function () {
    const box = this.orderBox;
    if (!box.hidden) { box.hidden = true; return; }
    box.hidden = false;
    if (box.childElementCount) return;
    const order = [];
    this.rows.forEach((r, i) => { if (r[EXPANDED] !== null) order.push(i); });
    order.sort((a, b) => this.rows[a][EXPANDED] - this.rows[b][EXPANDED]);
    const list = h('ol', { class: 'order-list' });
    let drawn = 0;
    const drawMore = () => {
      const old = box.querySelector(':scope > .more');
      if (old) old.remove();
      const end = Math.min(order.length, drawn + ORDER_CHUNK);
      for (; drawn < end; drawn++) {
        const i = order[drawn];
        const r = this.rows[i];
        const item = h('li', { 'data-node': r[ID], class: r[ONPATH] ? 'onpath' : null },
          h('span', { class: 'b order-b', text: '#' + r[EXPANDED] }), ' ',
          h('code', { class: 'tac', text: r[PARENT] === null ? 'initial state' : (r[SEGMENT] ? r[SEGMENT].join('; ') : r[TACTIC]) }),
          h('span', { class: 'muted small', text: ' · depth ' + r[DEPTH] + ' · ' + plural(this.kids[i].length, 'child') + ' · node ' + r[ID] }));
        item.addEventListener('click', () => this.revealId(r[ID], true));
        list.append(item);
      }
      if (drawn < order.length) box.append(h('div', { class: 'more' }, h('button', { type: 'button', class: 'tool', text: 'show more', onclick: drawMore })));
    };
    box.append(h('p', { class: 'muted small', text: plural(order.length, 'expansion') + ' in order; click one to find it in the tree' }), list);
    drawMore();
  };

  // ------------------------------------------------------------------------------ start

  function applyHash() {
    readHash();
    filterInput.value = view.q;
    statusSelect.value = view.status;
    reasonSelect.value = Array.from(reasonSelect.options).some((o) => o.value === view.reason) ? view.reason : 'all';
    applyFilter();
    applySort();
    if (view.t === null) {
      const first = visibleOrder()[0];
      view.t = first === undefined ? null : first;
    }
    renderDetail();
    if (view.t !== null) {  // the selected row in sight inside the list's own scroller
      const wrap = listRoot.querySelector('.tablewrap');
      const tr = rowEls[view.t];
      if (!tr.hidden && (tr.offsetTop < wrap.scrollTop || tr.offsetTop + tr.offsetHeight > wrap.scrollTop + wrap.clientHeight)) {
        wrap.scrollTop = Math.max(0, tr.offsetTop - wrap.clientHeight / 2);
      }
    }
    const target = { list: 'theorems', theorem: 'theorem' }[view.scroll];
    if (target) document.getElementById(target).scrollIntoView({ block: 'start' });
  }

  document.addEventListener('keydown', (ev) => {
    if (ev.target && /^(INPUT|SELECT|TEXTAREA)$/.test(ev.target.tagName)) return;
    if (ev.key !== 'j' && ev.key !== 'k') return;
    const order = visibleOrder();
    if (!order.length) return;
    const at = order.indexOf(view.t);
    const next = ev.key === 'j' ? Math.min(order.length - 1, at + 1) : Math.max(0, at - 1);
    select(order[at < 0 ? 0 : next]);
    rowEls[view.t].scrollIntoView({ block: 'nearest' });
  });
  window.addEventListener('hashchange', applyHash);
  buildList();
  applyHash();
  document.body.dataset.ready = '1';
})();
