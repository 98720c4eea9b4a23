// The dashboard's receive/close trend; the numbers come from the JSON block #trend-data.
(function () {
  'use strict';
  var el = document.getElementById('trend-chart');
  var data = document.getElementById('trend-data');
  if (!el || !data || typeof Chart === 'undefined') { return; }
  var trend = JSON.parse(data.textContent);
  new Chart(el, {
    type: 'bar',
    data: {
      labels: trend.labels,
      datasets: [
        {label: '收件', data: trend.received, backgroundColor: 'rgba(54, 162, 235, 0.6)'},
        {label: '办结', data: trend.closed, type: 'line', borderColor: 'rgba(75, 192, 92, 1)',
         backgroundColor: 'rgba(75, 192, 92, 0.2)', tension: 0.2}
      ]
    },
    options: {responsive: true, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });
})();
