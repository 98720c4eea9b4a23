// Party rows (and the reception visitor form): an 18-digit resident ID number fills the row's sex (17th digit: odd = 男) and birth
// date (digits 7-14), unless the clerk typed them; the server checks them again.
(function () {
  'use strict';
  function rowField(row, suffix) {
    return row.querySelector('[name$="-' + suffix + '"], [name="' + suffix + '"]');
  }
  document.addEventListener('input', function (e) {
    var el = e.target;
    if (!el.name || !/(^|-)id_number$/.test(el.name)) { return; }
    var row = el.closest('tr') || el.form;
    if (!row) { return; }
    var idType = rowField(row, 'id_type');
    if (idType && idType.value !== 'resident') { return; }
    var v = el.value.replace(/\s/g, '').toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) { return; }
    var y = +v.slice(6, 10), m = +v.slice(10, 12), d = +v.slice(12, 14);
    var born = new Date(y, m - 1, d);
    var sex = rowField(row, 'sex'), birth = rowField(row, 'birth_date');
    if (sex && (!sex.value || sex.dataset.auto)) {
      sex.value = (+v[16]) % 2 ? 'M' : 'F';
      sex.dataset.auto = '1';
    }
    if (birth && born.getMonth() === m - 1 && born.getDate() === d && (!birth.value || birth.dataset.auto)) {
      birth.value = v.slice(6, 10) + '-' + v.slice(10, 12) + '-' + v.slice(12, 14);
      birth.dataset.auto = '1';
    }
  });
  document.addEventListener('change', function (e) {
    if (e.target.dataset && e.target.dataset.auto && e.isTrusted) { delete e.target.dataset.auto; }
  });
})();
