// The accused-unit picker (templates/partials/dept_picker.html): typing in the box above a
// department <select> keeps only the departments whose name or short name contains the text;
// when exactly one is left it is chosen. Delegated, so rows added later work too.
(function () {
  function norm(s) { return (s || '').replace(/[\s\u3000]+/g, '').toLowerCase(); }
  document.addEventListener('input', function (ev) {
    var box = ev.target;
    if (!box.classList || !box.classList.contains('dept-filter')) { return; }
    var picker = box.closest('.dept-picker');
    var select = picker && picker.querySelector('select.dept-select');
    if (!select) { return; }
    var q = norm(box.value), left = [];
    Array.prototype.forEach.call(select.options, function (opt) {
      if (!opt.value) { return; }
      var hit = !q || norm(opt.dataset.search + ' ' + opt.textContent).indexOf(q) >= 0;
      opt.hidden = !hit;
      if (hit) { left.push(opt); }
    });
    if (q && left.length === 1) { select.value = left[0].value; }
  });
})();
