/**
 * The one script of the LTI pages (served from Kino, as their CSP allows no inline script). A page
 * names what to do in data attributes of #lti:
 * - data-autosubmit: submit the form of that id (the Deep Linking answer to the platform);
 * - data-next: go there, after the client-side storage exchange when data-storage-target is set
 *   (LTI postMessage storage: `put` the state at login, `get` it back and compare at launch; a
 *   platform that never answers leaves the server-side state check alone in charge).
 */
export const LTI_PAGE_SCRIPT = `(function () {
  var el = document.getElementById('lti');
  if (!el) return;
  var d = el.dataset;
  if (d.autosubmit) { document.getElementById(d.autosubmit).submit(); return; }
  function go() { if (d.next) window.location.replace(d.next); }
  function fail() {
    var note = document.getElementById('lti-failed');
    if (note) note.hidden = false;
    var busy = document.getElementById('lti-busy');
    if (busy) busy.hidden = true;
  }
  if (!d.storageTarget) { go(); return; }
  var target = window.parent;
  if (d.storageTarget !== '_parent') {
    try { target = window.parent.frames[d.storageTarget] || window.parent; } catch (e) { target = window.parent; }
  }
  var subject = d.mode === 'put' ? 'lti.put_data' : 'lti.get_data';
  var id = 'kino-' + Math.random().toString(36).slice(2);
  var answered = false;
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (event.origin !== d.storageOrigin || !m || m.message_id !== id) return;
    answered = true;
    if (m.subject !== subject + '.response' || m.error) { fail(); return; }
    if (d.mode === 'get' && m.value !== d.storageValue) { fail(); return; }
    go();
  });
  var message = { subject: subject, message_id: id, key: d.storageKey };
  if (d.mode === 'put') message.value = d.storageValue;
  target.postMessage(message, d.storageOrigin);
  setTimeout(function () { if (!answered) go(); }, 2500);
})();
`;
