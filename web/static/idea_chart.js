// Draws the idea page's candlestick chart from the JSON in #chart-data (see web/chart.py).
(function () {
  "use strict";
  const container = document.getElementById("chart");
  const source = document.getElementById("chart-data");
  if (!container || !source) return;
  const data = JSON.parse(source.textContent);
  const LC = window.LightweightCharts;

  const chart = LC.createChart(container, {
    autoSize: true,
    layout: { background: { color: "transparent" }, textColor: "#cbd5e1" },
    grid: { vertLines: { color: "#1e293b" }, horzLines: { color: "#1e293b" } },
    rightPriceScale: { borderColor: "#334155" },
    timeScale: { borderColor: "#334155", timeVisible: true },
  });
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: "#10b981", downColor: "#f43f5e", borderVisible: false,
    wickUpColor: "#10b981", wickDownColor: "#f43f5e",
    priceFormat: { type: "price", precision: data.precision, minMove: Math.pow(10, -data.precision) },
  });
  candles.setData(data.candles);
  data.levels.forEach(function (level) {
    candles.createPriceLine({
      price: level.price, color: level.color, title: level.title, lineWidth: 1,
      lineStyle: LC.LineStyle.Dashed, axisLabelVisible: true,
    });
  });
  data.lines.forEach(function (line) {
    const series = chart.addSeries(LC.LineSeries, {
      color: line.color, lineWidth: 1, priceLineVisible: false, lastValueVisible: false,
      crosshairMarkerVisible: false,
    });
    series.setData(line.points);
  });
  chart.timeScale().fitContent();
})();
