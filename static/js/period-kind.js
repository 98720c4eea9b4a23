// The statistics form: only the fields of the chosen period kind (月报: year + month, 季报: year +
// quarter, 年报: year, 自定义: start and end) are shown and sent.
(function () {
  'use strict';
  var kind = document.getElementById('kind');
  if (!kind) { return; }
  function show() {
    document.querySelectorAll('.period-fields').forEach(function (box) {
      var on = box.dataset.kinds.split(' ').indexOf(kind.value) >= 0;
      box.classList.toggle('d-none', !on);
      box.querySelectorAll('input, select').forEach(function (el) { el.disabled = !on; });
    });
  }
  kind.addEventListener('change', show);
  show();
})();
