// "该信访人已有N件信访事项（其中M件在办）" while a clerk types a petitioner's ID number, or name and
// phone, on a form with data-person-hint="<JSON url>" (registration: one per .party-row of the
// petitioner and representative tables; reception: the form's own fields). Debounced; the newest
// answer wins.
(function () {
  var WAIT = 400;

  function field(row, key) {
    return row.querySelector('input[name="' + key + '"], input[name$="-' + key + '"]');
  }

  function query(row) {
    var id = field(row, 'id_number'), name = field(row, 'name'), phone = field(row, 'phone');
    var idv = id ? id.value.replace(/[\s\u3000]+/g, '') : '';
    if (idv.length === 15 || idv.length === 18) { return 'id_number=' + encodeURIComponent(idv); }
    var n = name ? name.value.trim() : '', p = phone ? phone.value.replace(/\D/g, '') : '';
    if (!idv && n && p.length >= 7) {
      return 'name=' + encodeURIComponent(n) + '&phone=' + encodeURIComponent(phone.value.trim());
    }
    return null;
  }

  function box(row) {
    var found = row.querySelector('.person-hint');
    if (found) { return found; }
    var el = document.createElement('div');
    el.className = 'person-hint small text-primary';
    el.setAttribute('role', 'status');
    var id = field(row, 'id_number');
    if (row.tagName === 'TR') { id.parentNode.appendChild(el); }
    else { (id.closest('.form-row') || id).insertAdjacentElement('afterend', el); }
    return el;
  }

  function show(row, data) {
    var el = box(row);
    el.textContent = '';
    if (!data || !data.total) { return; }
    el.appendChild(document.createTextNode(data.text + '：'));
    data.cases.forEach(function (c, i) {
      if (i) { el.appendChild(document.createTextNode('、')); }
      var a = document.createElement('a');
      a.href = c.url;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = c.number + '（' + c.status + '）';
      el.appendChild(a);
    });
    if (data.total > data.cases.length) { el.appendChild(document.createTextNode(' 等')); }
  }

  function ask(form, row) {
    var q = query(row);
    var seq = row.xfHintSeq = (row.xfHintSeq || 0) + 1;
    if (!q) { show(row, null); return; }
    fetch(form.dataset.personHint + '?' + q, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) { if (seq === row.xfHintSeq) { show(row, data); } })
      .catch(function () { if (seq === row.xfHintSeq) { show(row, null); } });
  }

  document.querySelectorAll('form[data-person-hint]').forEach(function (form) {
    form.addEventListener('input', function (ev) {
      var el = ev.target;
      if (!el.name || !/(^|-)(id_number|name|phone)$/.test(el.name)) { return; }
      var row = el.closest('.party-row') || form;
      if (row !== form && !row.closest('table[data-group="petitioners"], table[data-group="representatives"]')) {
        return;  // an accused person is not looked up
      }
      clearTimeout(row.xfHintTimer);
      row.xfHintTimer = setTimeout(function () { ask(form, row); }, WAIT);
    });
    // "增加一行" copies the last row (party-rows.js, whose handler runs first): not its hint.
    form.querySelectorAll('.add-row').forEach(function (btn) {
      btn.addEventListener('click', function () {
        var rows = form.querySelectorAll('table[data-group="' + btn.dataset.target + '"] tbody tr');
        var hint = rows.length ? rows[rows.length - 1].querySelector('.person-hint') : null;
        if (hint) { hint.remove(); }
      });
    });
  });
})();
