import { type ConsoleSection, csrfField, html, notice, param } from '../src/index.js';

/**
 * A tiny host section for the console's own tests: a nav entry "Notes", a page listing notes
 * with a form to add one, a page per note, a confirmed delete, and a gauge. (The shop's real
 * section, Sales, is tested in apps/shop.)
 */
export function notesSection(): ConsoleSection & { notes: string[] } {
  const notes: string[] = [];
  return {
    notes,
    id: 'notes',
    title: 'Notes',
    path: '/notes',
    gauges: [{ name: 'errand_test_notes', help: 'Notes kept.', async read() { return [{ value: notes.length }]; } }],
    register(scope) {
      scope.get('/notes', (req) =>
        req.page(
          'Notes',
          html`<h1>Notes</h1>
<ul id="notes">${notes.map((n, i) => html`<li><a href="${scope.base}/notes/${i}">${n}</a></li>`)}</ul>
<form method="post" action="${scope.base}/notes">${csrfField(req.ctx)}<input name="text" aria-label="Note"><button type="submit" class="button primary">Add note</button></form>`,
          param(req.query, 'done') === 'added' ? notice('ok', 'Note added.') : null,
        ),
      );
      scope.get('/notes/:i', (req) => {
        const note = notes[Number(req.params.i)];
        if (note === undefined) return req.fail(404, 'No such note.');
        return req.page(`Note ${req.params.i}`, html`<h1>${note}</h1>`);
      });
      scope.post('/notes', (req) => {
        const text = param(req.body, 'text', 200);
        if (!text) return req.fail(400, 'A note needs text.');
        notes.push(text);
        return req.redirect('/notes?done=added');
      });
      scope.post('/notes/:i/delete', (req) => {
        const i = Number(req.params.i);
        if (notes[i] === undefined) return req.fail(404, 'No such note.');
        if (param(req.body, 'confirmed') !== '1') {
          return req.confirm({ title: `Delete note ${i}?`, message: notes[i], action: `${scope.base}/notes/${i}/delete`, fields: [], button: 'Delete', danger: true, cancel: `${scope.base}/notes` });
        }
        notes.splice(i, 1);
        return req.redirect('/notes');
      });
      scope.get('/notes-broken', () => undefined as never);
    },
  };
}
