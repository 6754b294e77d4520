// Errand console client script: confirmation dialogs, select-all, fresh relative times, live rates.
// Served as a file (the CSP forbids inline scripts). Everything shown is set with textContent.
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const SVG = 'http://www.w3.org/2000/svg';

  // Destructive forms ask first, in a <dialog>. The server asks too when `confirmed` is missing.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    const submitter = event.submitter;
    const message = submitter?.dataset.confirm || form.dataset.confirm;
    if (!message || form.dataset.confirmed === '1') return;
    const dialog = $('#confirm-dialog');
    if (!dialog || typeof dialog.showModal !== 'function') return;
    event.preventDefault();
    $('.confirm-text', dialog).textContent = message;
    dialog.returnValue = '';
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue !== 'ok') return;
        const flag = document.createElement('input');
        flag.type = 'hidden';
        flag.name = 'confirmed';
        flag.value = '1';
        form.appendChild(flag);
        form.dataset.confirmed = '1';
        form.requestSubmit(submitter || undefined);
      },
      { once: true },
    );
    dialog.showModal();
    $('#confirm-ok', dialog).focus();
  });

  // Select every job on the page.
  for (const all of $$('input[data-select-all]')) {
    all.addEventListener('change', () => {
      for (const box of $$('input[type=checkbox][form=selection]')) box.checked = all.checked;
    });
  }

  // Relative times stay true while the page is open.
  const short = (ms) => {
    const a = Math.abs(ms);
    if (a < 5000) return null;
    if (a < 60000) return `${Math.floor(a / 1000)} s`;
    if (a < 3600000) return `${Math.floor(a / 60000)} min`;
    if (a < 86400000) return `${Math.floor(a / 3600000)} h`;
    return `${Math.floor(a / 86400000)} d`;
  };
  const refreshTimes = () => {
    const now = Date.now();
    for (const t of $$('time[datetime]')) {
      const diff = Date.parse(t.getAttribute('datetime')) - now;
      const s = short(diff);
      t.textContent = s === null ? 'just now' : diff > 0 ? `in ${s}` : `${s} ago`;
    }
  };
  setInterval(refreshTimes, 15000);

  // A job page's progress, live while the job is unfinished; a new state reloads the page.
  const jobLive = $('#job-live[data-src]');
  if (jobLive) {
    const pollJob = async () => {
      try {
        const res = await fetch(jobLive.dataset.src, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
        if (res.ok) {
          const data = await res.json();
          if (data.state !== jobLive.dataset.state) return location.reload();
          $('[data-progress]', jobLive).textContent = data.progress === null ? 'none reported yet' : JSON.stringify(data.progress, null, 2);
          const bar = $('[data-progress-bar]', jobLive);
          const pct = typeof data.progress === 'number' && data.progress >= 0 && data.progress <= 100 ? data.progress : null;
          bar.hidden = pct === null;
          if (pct !== null) bar.value = pct;
        }
      } catch {
        // Retried on the next tick.
      }
      setTimeout(pollJob, document.hidden ? 10000 : 2000);
    };
    setTimeout(pollJob, 2000);
  }

  // Live rates: poll the per-minute counters; the increase between two answers over the time
  // between them is the rate. Every worker process on the database counts.
  const live = $('#live');
  if (!live) return;
  const src = live.dataset.src;
  const chart = $('.live-chart', live);
  const W = 720;
  const PLOT = 100;
  const SAMPLES = 60;
  const samples = [];
  let last = null;
  const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(2));

  const draw = () => {
    for (const el of $$('.drawn', chart)) el.remove();
    const max = Math.max(1, ...samples.map((s) => s.processed + s.failed));
    const x = (i) => (W * (SAMPLES - samples.length + i)) / (SAMPLES - 1);
    const y = (v) => 10 + PLOT - (v / max) * PLOT;
    const path = (key) => samples.map((s, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
    if (samples.length > 1) {
      const area = document.createElementNS(SVG, 'path');
      area.setAttribute('d', `${path('processed')} L${x(samples.length - 1).toFixed(1)},110 L${x(0).toFixed(1)},110 Z`);
      area.setAttribute('class', 'drawn area-ok');
      chart.appendChild(area);
      for (const [key, cls] of [['processed', 'line-ok'], ['failed', 'line-fail']]) {
        const line = document.createElementNS(SVG, 'path');
        line.setAttribute('d', path(key));
        line.setAttribute('class', `drawn ${cls}`);
        chart.appendChild(line);
      }
    }
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', '2');
    label.setAttribute('y', '8');
    label.setAttribute('class', 'drawn tick');
    label.textContent = `${fmt(max)} / s`;
    chart.appendChild(label);
  };

  const poll = async () => {
    try {
      const res = await fetch(src, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (res.status === 401) {
        live.querySelector('.help').textContent = 'Signed out: reload the page to sign in again.';
        return;
      }
      if (!res.ok) return;
      const data = await res.json();
      const at = Date.parse(data.at);
      const minutes = new Map(data.minutes.map((m) => [m.minute, m]));
      if (last) {
        let processed = 0;
        let failed = 0;
        for (const [minute, m] of minutes) {
          const before = last.minutes.get(minute);
          processed += m.processed - (before ? before.processed : 0);
          failed += m.failed - (before ? before.failed : 0);
        }
        const secs = Math.max(0.5, (at - last.at) / 1000);
        const sample = { processed: Math.max(0, processed) / secs, failed: Math.max(0, failed) / secs };
        samples.push(sample);
        if (samples.length > SAMPLES) samples.shift();
        $('[data-rate=processed]', live).textContent = fmt(sample.processed);
        $('[data-rate=failed]', live).textContent = fmt(sample.failed);
        draw();
      }
      last = { at, minutes };
      for (const [state, n] of Object.entries(data.counts)) {
        const el = $(`[data-count="${state}"]`);
        if (el) el.textContent = n >= data.cap ? `${data.cap.toLocaleString('en-US')}+` : n.toLocaleString('en-US');
      }
    } catch {
      // A failed poll is retried on the next tick.
    } finally {
      setTimeout(poll, document.hidden ? 10000 : 2000);
    }
  };
  draw();
  poll();
})();
