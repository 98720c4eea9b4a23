// Behaviour that would otherwise sit in inline onclick attributes, which the
// Content-Security-Policy forbids: print buttons, delete confirmations, list actions.
(function () {
  'use strict';
  // Capture phase: runs before any handler that might stop the event on its way up.
  window.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest(
      '[data-xf-print], [data-xf-confirm], [data-xf-action], a[href^="javascript:"]');
    if (!el) { return; }
    if (el.hasAttribute('data-xf-print')) {
      e.preventDefault();
      window.print();
    } else if (el.hasAttribute('data-xf-confirm')) {
      if (!window.confirm(el.getAttribute('data-xf-confirm'))) { e.preventDefault(); }
    } else if (el.hasAttribute('data-xf-action')) {
      e.preventDefault();
      if (window.modelActions) { window.modelActions.execute(el.getAttribute('data-xf-action')); }
    } else {
      // javascript:void(0) links of Flask-Admin: their own handlers do the work; the URL itself
      // would be a CSP violation.
      e.preventDefault();
    }
  }, true);
})();

// Forms marked .no-enter-submit (long forms typed row by row): Enter in a one-line field moves to
// the next field instead of sending a half-filled form; only the submit button sends it.
(function () {
  'use strict';
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' || e.isComposing) { return; }
    var el = e.target;
    var form = el.form;
    if (!form || !form.classList.contains('no-enter-submit')) { return; }
    if (el.tagName === 'TEXTAREA' || el.tagName === 'BUTTON' || el.type === 'submit' || el.type === 'file') { return; }
    e.preventDefault();
    var fields = Array.prototype.filter.call(form.elements, function (f) {
      return !f.disabled && f.type !== 'hidden' && f.offsetParent !== null;
    });
    var next = fields[fields.indexOf(el) + 1];
    if (next && next.type !== 'submit') { next.focus(); }
  });
})();
