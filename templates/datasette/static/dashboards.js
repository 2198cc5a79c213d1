// The readiness dashboard's charts, drawn from the JSON the page carries
// (#dashboard-charts) with the Vega files datasette-dashboards ships.
//
// It takes the place of datasette-dashboards' own script, which wrote every value of a
// table or metric chart into the page as HTML (a title holding markup ran as script) and
// let Vega compile expressions with `new Function`, which the Content-Security-Policy
// refuses. Here every value is set as text, and Vega evaluates its expressions with the
// interpreter vega-embed carries (`ast: true`).
(() => {
  "use strict";

  const config = JSON.parse(document.getElementById("dashboard-charts").textContent);
  // No menu of actions: it offers to send the chart and its data to the Vega editor, on
  // another site.
  const EMBED = { ast: true, actions: false };

  async function fetchRows(chart) {
    const params = new URLSearchParams(config.query_string || "");
    params.set("sql", chart.query);
    params.set("_shape", "objects");
    const url = `${config.base}${encodeURIComponent(chart.db)}.json?${params}`;
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) {
      throw new Error(`the figures could not be read (${answer.status})`);
    }
    return answer.json();
  }

  function containerSignal(name, index) {
    const size = `isFinite(containerSize()[${index}]) ? containerSize()[${index}] : 200`;
    return { name, init: size, on: [{ update: size, events: "window:resize" }] };
  }

  function vegaSpec(chart, data) {
    const signals = [containerSignal("width", 0)];
    if (config.full_height) {
      signals.push(containerSignal("height", 1));
    }
    return {
      $schema: "https://vega.github.io/schema/vega/v5.json",
      description: chart.title,
      autosize: { type: "fit", resize: true },
      data: [{ name: "table", values: data.rows, format: { type: "json" } }],
      signals,
      ...chart.display,
    };
  }

  function vegaLiteSpec(chart, data) {
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      description: chart.title,
      width: "container",
      height: config.full_height ? "container" : undefined,
      view: { stroke: null },
      config: { background: "#00000000", arc: { innerRadius: 50 }, line: { point: true } },
      data: { values: data.rows, format: { type: "json" } },
      ...chart.display,
    };
  }

  function metric(element, chart, data) {
    const display = chart.display || {};
    const value = data.rows.length ? data.rows[0][display.field] : "";
    const figure = document.createElement("p");
    figure.textContent = `${display.prefix || ""}${value ?? ""}${display.suffix || ""}`;
    const wrapper = document.createElement("div");
    wrapper.className = "metric-chart";
    wrapper.append(figure);
    element.append(wrapper);
  }

  function table(element, chart, data) {
    const columns = data.rows.length ? Object.keys(data.rows[0]) : data.columns || [];
    const head = document.createElement("tr");
    for (const column of columns) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = column;
      head.append(cell);
    }
    const body = document.createElement("tbody");
    for (const row of data.rows) {
      const line = document.createElement("tr");
      for (const column of columns) {
        const cell = document.createElement("td");
        cell.textContent = row[column] ?? "";
        line.append(cell);
      }
      body.append(line);
    }
    const thead = document.createElement("thead");
    thead.append(head);
    const grid = document.createElement("table");
    grid.append(thead, body);
    const wrapper = document.createElement("div");
    wrapper.className = "table-chart";
    wrapper.append(grid);
    element.append(wrapper);
  }

  const DRAW = {
    vega: (element, chart, data) => vegaEmbed(element, vegaSpec(chart, data), EMBED),
    "vega-lite": (element, chart, data) => vegaEmbed(element, vegaLiteSpec(chart, data), EMBED),
    metric,
    table,
  };

  async function draw(slug, chart) {
    const element = document.getElementById(`chart-${slug}`);
    const drawer = DRAW[chart.library];
    if (!element || !drawer) {
      return; // a Markdown chart is in the page already, as text; maps are not drawn
    }
    try {
      const data = await fetchRows(chart);
      await drawer(element, chart, data);
      if (data.truncated) {
        document.getElementById(`chart-tooltip-${slug}`).classList.add("shown");
      }
    } catch (error) {
      const problem = document.createElement("p");
      problem.className = "chart-problem";
      problem.textContent = `This chart could not be drawn: ${error.message}`;
      element.append(problem);
    }
  }

  vega.setRandom(vega.randomLCG(0));
  for (const [slug, chart] of Object.entries(config.charts)) {
    draw(slug, chart);
  }

  const fullscreen = document.querySelector("[data-fullscreen]");
  if (fullscreen) {
    fullscreen.addEventListener("click", () => {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.querySelector("section.content").requestFullscreen();
      }
    });
  }
  if (config.autorefresh) {
    window.setTimeout(() => window.location.reload(), Math.round(config.autorefresh * 60000));
  }
})();
