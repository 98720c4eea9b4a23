// The 待办 menu number, filled in after the page has loaded so that no page waits for the count
// (views/todo.py). The page's own 待办 card gives it when there is one (data-todo-total);
// otherwise one GET of the user's total. Without JavaScript the menu entry works, without a number.
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me) { return; }
  var link = document.querySelector('a.nav-link[href="' + me.getAttribute('data-todo-page') + '"]');
  if (!link) { return; }  // no 待办 for this role

  function show(n) {
    if (typeof n !== 'number' || !(n > 0)) { return; }
    var badge = document.getElementById('todo-badge');
    if (!badge) {
      badge = document.createElement('span');
      badge.id = 'todo-badge';
      badge.className = 'badge badge-pill badge-warning ml-1';
      link.appendChild(badge);
    }
    badge.textContent = String(n);
    badge.title = n + '项待办';
  }

  var card = document.querySelector('[data-todo-total]');
  if (card) {
    show(parseInt(card.getAttribute('data-todo-total'), 10));
    return;
  }
  if (!window.fetch) { return; }
  window.fetch(me.getAttribute('data-todo-count'), {credentials: 'same-origin', headers: {Accept: 'application/json'}})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) { if (data) { show(data.count); } })
    .catch(function () { /* no number: the entry still opens 待办 */ });
})();
