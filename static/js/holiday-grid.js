// 放假安排 (templates/calendar/year.html): a click (or Enter/Space) on a day of the grid marks it
// 休, then 班, then nothing; the day's hidden input carries the mark to the save.
(function () {
  var NEXT = { '': 'holiday', holiday: 'workday', workday: '' };
  var LABEL = { '': '', holiday: '休', workday: '班' };
  function toggle(cell) {
    var input = cell.querySelector('input[name^="day-"]');
    var mark = NEXT[input.value || ''];
    input.value = mark;
    cell.classList.remove('holiday', 'workday');
    if (mark) { cell.classList.add(mark); }
    cell.querySelector('.hmark').textContent = LABEL[mark];
  }
  var grid = document.getElementById('year-grid');
  if (!grid) { return; }
  grid.addEventListener('click', function (ev) {
    var cell = ev.target.closest('.hday[data-editable]');
    if (cell) { toggle(cell); }
  });
  grid.addEventListener('keydown', function (ev) {
    var cell = ev.target.closest('.hday[data-editable]');
    if (cell && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); toggle(cell); }
  });
})();
