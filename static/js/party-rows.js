// "增加一行" on the registration page: copy the last row of a party table, with the next index
// and empty values (buttons carry data-target and data-max).
document.querySelectorAll('.add-row').forEach(function (btn) {
  btn.addEventListener('click', function () {
    var body = document.querySelector('table[data-group="' + btn.dataset.target + '"] tbody');
    var rows = body.querySelectorAll('tr');
    var last = rows[rows.length - 1], n = rows.length;
    if (btn.dataset.max && n >= +btn.dataset.max) { alert('最多' + btn.dataset.max + '行。'); return; }
    var copy = last.cloneNode(true);
    copy.querySelectorAll('input, select').forEach(function (el) {
      if (el.name) {
        el.name = el.name.replace(/-\d+-/, '-' + n + '-');
        el.id = el.name;
      }
      el.classList.remove('is-invalid');
      delete el.dataset.auto;
      if (el.type === 'checkbox') {
        el.checked = false;
      } else if (el.tagName === 'SELECT') {
        el.selectedIndex = 0;
        Array.prototype.forEach.call(el.options, function (opt) { opt.hidden = false; });
      } else { el.value = ''; }
    });
    copy.querySelectorAll('.field-error').forEach(function (el) { el.remove(); });
    copy.querySelector('.row-no').textContent = n + 1;
    body.appendChild(copy);
  });
});
